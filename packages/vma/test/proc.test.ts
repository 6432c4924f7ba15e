/* /proc/PID/maps and /proc/PID/status in 2.6.11's formats, and their JSON twins. */
import { describe, expect, it } from "vitest";
import {
  checkVmaInvariants,
  create_task,
  do_brk,
  do_mmap_pgoff,
  EXSTACK_DEFAULT,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_READ,
  PROT_WRITE,
  proc_pid_auxv,
  proc_pid_auxv_json,
  proc_pid_maps,
  proc_pid_maps_json,
  proc_pid_status,
  proc_pid_status_json,
  STACK_TOP,
  schedule_to,
  setup_arg_pages,
  show_map,
  task_statm,
  user_write,
} from "../src/index.js";
import { bootVm } from "./helpers.js";

describe("/proc/PID/maps", () => {
  it("show_map pads file names to column 49 and leaves a trailing space after an anonymous inode, as 6.1's lines", () => {
    // lines from the oracle (memorylayout-a): 2.6.11 prints them the same way
    const file = {
      start: 0x08049000,
      end: 0x080b7000,
      perms: "r-xp",
      offset: 0x1000,
      dev: { major: 0, minor: 2 },
      inode: 8,
      path: "/memorylayout-static",
    };
    expect(show_map(file)).toBe("08049000-080b7000 r-xp 00001000 00:02 8          /memorylayout-static\n");
    expect(show_map({ ...file, inode: 1234567, path: "/x" })).toBe(
      "08049000-080b7000 r-xp 00001000 00:02 1234567    /x\n",
    );
    expect(show_map({ ...file, dev: { major: 3, minor: 0x41 }, inode: 2 ** 31, path: "/y" })).toBe(
      "08049000-080b7000 r-xp 00001000 03:41 2147483648  /y\n",
    );
    expect(show_map({ ...file, perms: "rw-p", dev: { major: 0, minor: 0 }, inode: 0, path: "" })).toBe(
      "08049000-080b7000 rw-p 00001000 00:00 0 \n",
    );
  });

  it("a process's maps: heap, mmaps, shared memory, stack, then the gate VMA; JSON has the same entries", () => {
    const vm = bootVm();
    const t = create_task(vm, "maps")!;
    schedule_to(vm, t);
    const mm = t.mm!;
    expect(
      setup_arg_pages(vm, { page: [], p: 0x1f000, loader: 0, exec: 0x1f000 }, STACK_TOP, EXSTACK_DEFAULT),
    ).toBe(0);
    mm.start_brk = mm.brk = 0x0804c000;
    do_brk(vm, 0x0804c000, 0x2000);
    do_mmap_pgoff(vm, null, 0, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, 0);
    do_mmap_pgoff(vm, null, 0, 0x3000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0);
    checkVmaInvariants(vm);
    expect(proc_pid_maps(t)).toBe(
      [
        "0804c000-0804e000 rw-p 0804c000 00:00 0 ",
        "b7ffc000-b7fff000 r--p b7ffc000 00:00 0 ",
        "b7fff000-b8000000 rw-s 00000000 00:04 1          /dev/zero (deleted)",
        "bffeb000-c0000000 rw-p bffeb000 00:00 0 ",
        "ffffe000-fffff000 ---p 00000000 00:00 0 ",
        "",
      ].join("\n"),
    );
    const j = proc_pid_maps_json(t);
    expect(j).toHaveLength(5);
    expect(j[2]).toEqual({
      start: 0xb7fff000,
      end: 0xb8000000,
      perms: "rw-s",
      offset: 0,
      dev: { major: 0, minor: 4 },
      inode: 1,
      path: "/dev/zero (deleted)",
    });
  });
});

describe("/proc/PID/status", () => {
  it("Name, State, Tgid, Pid, PPid and task_mem's lines (no VmPeak/VmHWM: 2.6.13+)", () => {
    const vm = bootVm();
    const t = create_task(vm, "status\\demo")!;
    schedule_to(vm, t);
    setup_arg_pages(vm, { page: [], p: 0x1f000, loader: 0, exec: 0x1f000 }, STACK_TOP, EXSTACK_DEFAULT);
    const a = do_mmap_pgoff(vm, null, 0, 0x5000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
    user_write(vm, a, [1]);
    user_write(vm, a + 0x4000, [1]);
    checkVmaInvariants(vm);
    expect(proc_pid_status(vm, t)).toBe(
      [
        "Name:\tstatus\\\\demo",
        "State:\tR (running)",
        `Tgid:\t${t.pid}`,
        `Pid:\t${t.pid}`,
        "PPid:\t0",
        "VmSize:\t     104 kB",
        "VmLck:\t       0 kB",
        "VmRSS:\t       8 kB",
        "VmData:\t      20 kB",
        "VmStk:\t      84 kB",
        "VmExe:\t       0 kB",
        "VmLib:\t       0 kB",
        "VmPTE:\t       4 kB",
        "",
      ].join("\n"),
    );
    expect(proc_pid_status_json(vm, t).mem).toEqual({
      VmSize: 104,
      VmLck: 0,
      VmRSS: 8,
      VmData: 20,
      VmStk: 84,
      VmExe: 0,
      VmLib: 0,
      VmPTE: 4,
    });
    expect(task_statm(t.mm!)).toEqual({ size: 26, resident: 2, shared: 0, text: 0, data: 26 });
  });
});

describe("/proc/PID/auxv", () => {
  it("a task that never exec'd reads one zero pair (the kernel's zeroed saved_auxv); no mm reads nothing", () => {
    const vm = bootVm();
    const t = create_task(vm, "noexec")!;
    expect(proc_pid_auxv_json(t)).toEqual([[0, 0]]);
    expect(proc_pid_auxv(t)).toEqual(new Uint8Array(8));
    t.mm!.saved_auxv = [6, 4096, 0, 0]; // AT_PAGESZ 4096, AT_NULL
    expect(Array.from(proc_pid_auxv(t))).toEqual([6, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(proc_pid_auxv(vm.idle[0]!)).toEqual(new Uint8Array(0)); // a kernel thread: no mm
  });
});
