/// <reference types="vite/client" />

declare module "virtual:i386mm-lab-sheets" {
  /** apps/demo/scenarios/*.mm: name (file name without .mm), title (the first comment line), text. */
  const sheets: readonly { readonly name: string; readonly title: string; readonly text: string }[];
  export default sheets;
}

declare module "virtual:i386mm-assets" {
  /** URL of fixtures/elf/memorylayout.ext2 in the built site. */
  export const ext2Url: string;
  /** URLs of the binaries exec() finds, by their path in the model (/bin/memorylayout-static). */
  export const userlandUrls: Readonly<Record<string, string>>;
  /** URLs of the files a lab sheet may mount, by the path it names. */
  export const hostUrls: Readonly<Record<string, string>>;
}
