/**
 * Settings of the gateway component. Keys are environment-variable names; every field carries its
 * default and a one-line description (README's configuration table is generated from these).
 */
export const gatewayFields = {} as const;
