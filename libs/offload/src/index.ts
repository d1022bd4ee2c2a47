export * from './capabilities.js';
export * from './offload-manager.js';
export * from './provider.js';
export * from './sim-provider.js';
export * from './tc-provider.js';
export * from './tc-u32.js';
