/**
 * Not built yet: this layer's issue is still open. The folder exists so the workspace,
 * the layer order and the build are in place for it.
 */
export const LAYER_STATUS = "planned" as const;
