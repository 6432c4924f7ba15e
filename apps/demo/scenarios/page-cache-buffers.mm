# Lab 18 - Reading a file through the page cache, and its buffer heads
# Kernel: mm/filemap.c do_generic_mapping_read, find_get_page; fs/buffer.c
#         block_read_full_page, create_empty_buffers, set_blocksize; fs/mpage.c mpage_readpage;
#         fs/ext2 ext2_get_block (ULK3 ch. 15 "The Page Cache", "Storing Blocks in the Page Cache")
# i386mm: --mem 64M
#
# Every file read goes through the page cache: do_generic_mapping_read looks the page up in the
# file's address_space (find_get_page), and on a miss reads it from disk. ext2 reads a file page
# with mpage_readpage: when the page's four 1 KiB blocks lie one after the other on disk, one
# request reads them all and the page gets no buffer heads. A block device has its own
# address_space (the "buffer cache", counted as Buffers in /proc/meminfo), read with
# block_read_full_page: each page carries buffer heads (page->private, PG_private), one per
# block of the device's block size, linked in a ring by b_this_page. After set_blocksize(fd, 512)
# a 4 KiB page holds 8 buffers of 512 bytes. The image is fixtures/elf/memorylayout.ext2
# (1 KiB blocks), attached as disk hda.
#
# Questions
#  Q1. Which meminfo lines grew after each read, and by how much?
#  Q2. Why has the file's page no buffer heads? When would mpage_readpage fall back to
#      block_read_full_page and attach 4 of them?
#  Q3. What are the 8 buffers' b_blocknr values in units of, and which sectors of hda do they hold?
#  Q4. Why must the file system be unmounted before set_blocksize (the BLKBSZSET ioctl)?

cat /proc/meminfo
echo Step 1 - mount the image and read the first bytes of a file through the page cache
mount("fixtures/elf/memorylayout.ext2")
fd = open("/mnt/memorylayout-static", O_RDONLY)
read(fd, 4)
p = find_get_page(fd, 0)
PagePrivate(p)
cat /proc/meminfo

echo
echo Step 2 - a second read of the same page is a page-cache hit (no disk I/O)
cat /proc/diskstats
lseek(fd, 1000, SEEK_SET)
read(fd, 4)
cat /proc/diskstats
close(fd)

echo
echo Step 3 - the raw disk: its pages carry buffers of the device's block size (ext2 set 1 KiB)
d = open("/dev/hda", O_RDONLY)
read(d, 2)
page_buffer_list(find_get_page(d, 0))
echo ... the mounted file system holds the device: BLKBSZSET is refused until umount
set_blocksize(d, 512)
umount("/mnt")
set_blocksize(d, 512)
lseek(d, 0, SEEK_SET)
read(d, 2)
q = find_get_page(d, 0)
page_buffer_list(q)
cat /proc/meminfo
close(d)
check
