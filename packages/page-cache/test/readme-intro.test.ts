/*
 * The README opens with examples/intro.ts (verbatim but for the import path), before its first
 * section: this package used alone, in a few lines; running it prints the block shown under it.
 */
import { readmeIntroTests } from "@i386mm/fixtures/readme-intro";

readmeIntroTests(new URL("..", import.meta.url), "@i386mm/page-cache", () => import("../examples/intro.js"));
