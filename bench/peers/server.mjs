// The peer's server: a node cluster of PEER_WORKERS workers (2, like our gunicorn) sharing one
// listening socket, each with its own provider and Redis client. Node's default keep-alive
// (5 s idle) applies, as in production; a client that sends "Connection: close" is closed.
import cluster from 'node:cluster';
import http from 'node:http';

import { build, config } from './provider.mjs';

if (cluster.isPrimary) {
  for (let i = 0; i < Number(process.env.PEER_WORKERS || 2); i += 1) cluster.fork();
  cluster.on('exit', (worker, code) => {
    console.error(`peer worker ${worker.process.pid} exited with ${code}`);
  });
  const stop = () => {
    for (const worker of Object.values(cluster.workers)) worker.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  http.createServer(build().callback()).listen(config.port, '127.0.0.1');
}
