// The SQS worker a user would write with the sqs-consumer package (14.2.8):
// a per-message handler that runs the job and returns the message, so that
// sqs-consumer deletes it. batchSize is the concurrency: the consumer
// receives up to that many messages, handles them at once, and polls again
// once all of them are done.
import { GetQueueAttributesCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import { Consumer } from "sqs-consumer";
import { BENCH_AWS, parseBaselineArguments, requiredVariable } from "./arguments.ts";
import { runJob } from "./runJob.ts";

const options = parseBaselineArguments(process.argv.slice(2));
const client = new SQSClient({ ...BENCH_AWS, endpoint: requiredVariable("AWS_ENDPOINT_URL_SQS") });
let processedCount = 0;

const consumer = Consumer.create({
  queueUrl: options.source,
  sqs: client,
  batchSize: options.concurrency,
  waitTimeSeconds: 20,
  handleMessage: async (message: Message) => {
    await runJob(options.job, message.Body ?? "");
    return message;
  },
});

consumer.on("message_processed", () => {
  processedCount++;
  if (options.maxTasks > 0 && processedCount >= options.maxTasks) process.exit(0);
});
consumer.on("error", (error) => process.stderr.write(`sqs-consumer error: ${error.message}\n`));
consumer.on("processing_error", (error) => process.stderr.write(`sqs-consumer processing error: ${error.message}\n`));
process.on("SIGTERM", () => process.exit(0));

// One call before "ready" warms the connection, as Tasque's GetQueueAttributes at start does, so both start timing alike.
await client.send(new GetQueueAttributesCommand({ QueueUrl: options.source, AttributeNames: ["VisibilityTimeout"] }));
process.stderr.write("baseline ready\n");
consumer.start();
