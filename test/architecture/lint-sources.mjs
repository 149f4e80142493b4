// Lints source texts as if they sat at the given paths, with the project's own ESLint config:
// reads {"<path>": "<source>"} on stdin, prints {"<path>": ["<rule>: <message>", ...]} on stdout.
// Run as a child process so the test sees exactly what `npm run lint` sees.
import { ESLint } from 'eslint';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const eslint = new ESLint({ cwd: process.cwd() });
const out = {};
for (const [filePath, code] of Object.entries(JSON.parse(input))) {
  const [result] = await eslint.lintText(code, { filePath });
  out[filePath] = result.messages.map((message) => `${message.ruleId}: ${message.message}`);
}
process.stdout.write(JSON.stringify(out));
