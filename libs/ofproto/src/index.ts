export * from './dp-actions.js';
export * from './flow-table.js';
export * from './groups.js';
export * from './mac-learning.js';
export * from './match-key.js';
export * from './ofproto.js';
export * from './xlate.js';
