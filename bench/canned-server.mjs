// The generator's ceiling: the cheapest HTTP server Node can be, a socket that answers every
// request with the same bytes, without parsing beyond finding where each request ends (GET, no
// body). If wrk drives it at least twice as fast as the bare Fastify route, the bare route and
// everything slower measure the server, not wrk. Listens on 127.0.0.1:$PORT.
import { createServer } from 'node:net';

const body = '{"version":"18.7.0","revision":"canned"}';
const answer = Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`);
const END = '\r\n\r\n';

createServer((socket) => {
  let pending = '';
  socket.on('data', (chunk) => {
    pending += chunk.toString('latin1');
    let answers = 0;
    let at;
    while ((at = pending.indexOf(END)) >= 0) {
      answers += 1;
      pending = pending.slice(at + END.length);
    }
    if (answers > 0) socket.write(answers === 1 ? answer : Buffer.concat(Array(answers).fill(answer)));
  });
  socket.on('error', () => socket.destroy());
}).listen(Number(process.env.PORT), '127.0.0.1');
