import { GFP_HIGHUSER, GFP_KERNEL } from "@i386mm/page-alloc";
import { boot, checkKernelInvariants } from "../src/index.js";

const k = boot({ mem: "1G", pae: true, cpus: 2 }); // { machine, pa, slab, km, pc, vm }, booted together
const obj = k.slab.kmalloc(100, GFP_KERNEL); // an object from the size-128 cache
const va = k.km.kmap(k.direct.alloc_page(GFP_HIGHUSER)!); // a highmem page (held by us) gets a pkmap address
const memory = k.pa.bootLog.find((l) => l.startsWith("Memory:"));
console.log(memory, obj?.toString(16), va.toString(16));
checkKernelInvariants(k); // every layer's invariants hold
