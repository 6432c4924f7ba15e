import { describe, expect, it } from "vitest";
import { bootVm } from "./helpers.js";
import {
  arch_pick_mmap_layout, checkVmaInvariants, create_task, do_exit, do_fork, do_mmap_pgoff, MAP_ANONYMOUS, MAP_PRIVATE,
  proc_pid_maps, PROT_READ, PROT_WRITE, schedule_to, user_read, user_write, proc_pid_status,
} from "../src/index.js";

describe("smoke", () => {
  for (const pae of [false, true])
  it(`mmap, touch, fork, COW, exit (pae=${pae})`, () => {
    const vm = bootVm({ pae, memBytes: 1 << 30 });
    const before = vm.pa.buddyinfo();
    const t = create_task(vm, "init")!;
    schedule_to(vm, t);

    const a = do_mmap_pgoff(vm, null, 0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
    expect(a.toString(16)).toBe("b7ffd000");
    expect(user_write(vm, a + 10, [1, 2, 3])).toBeNull();
    expect(Array.from(user_read(vm, a + 10, 3) as Uint8Array)).toEqual([1, 2, 3]);
    expect(Array.from(user_read(vm, a + 4096, 2) as Uint8Array)).toEqual([0, 0]);
    checkVmaInvariants(vm);
    const c = do_fork(vm, 0)!;
    checkVmaInvariants(vm);
    schedule_to(vm, c);
    expect(user_write(vm, a + 10, [9])).toBeNull();
    checkVmaInvariants(vm);
    expect(Array.from(user_read(vm, a + 10, 3) as Uint8Array)).toEqual([9, 2, 3]);
    console.log(proc_pid_maps(c));
    console.log(proc_pid_status(vm, c));
    do_exit(vm, 0);
    checkVmaInvariants(vm);
    schedule_to(vm, t);
    expect(Array.from(user_read(vm, a + 10, 3) as Uint8Array)).toEqual([1, 2, 3]);
    checkVmaInvariants(vm);
    do_exit(vm, 0);
    console.log(vm.pa.buddyinfo(), before);
  });
});
