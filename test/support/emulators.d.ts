// Minimal typing for dynalite (it ships none). s3rver runs in a child process (s3rver-process.mjs).
declare module 'dynalite' {
  import type { Server } from 'node:http';
  function dynalite(options?: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }): Server;
  export default dynalite;
}
