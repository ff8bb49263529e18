// A Tasque worker in Node.js: reads the task's JSON payload from stdin,
// logs to stderr, and prints a JSON result on stdout.
import { readFileSync } from "node:fs";

const input = readFileSync(0, "utf8");
const payload = input.trim() === "" ? {} : JSON.parse(input);
const name = typeof payload.name === "string" ? payload.name : "world";

console.error(`task ${process.env.TASK_ID}: greeting ${name}`);
console.log(JSON.stringify({ greeting: `Hello, ${name}!` }));
