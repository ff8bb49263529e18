import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";

/** SQS accepts at most 10 messages per SendMessageBatch. */
const MESSAGES_PER_BATCH = 10;
/** Visibility timeout of benchmark queues: long enough that no message is delivered twice during a run. */
const VISIBILITY_TIMEOUT_SEC = 120;

let queueCount = 0;

/** Creates a fresh queue, so that no run gets another run's messages, and returns its URL. */
export async function createQueue(client: SQSClient, purpose: string): Promise<string> {
  const name = `bench-${purpose}-${process.pid}-${++queueCount}`;
  const response = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: String(VISIBILITY_TIMEOUT_SEC) } }));
  if (!response.QueueUrl) throw new Error(`CreateQueue returned no URL for ${name}`);
  return response.QueueUrl;
}

export async function deleteQueue(client: SQSClient, queueUrl: string): Promise<void> {
  await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
}

/** Sends the bodies in order, ten to a SendMessageBatch call. */
export async function sendMessages(client: SQSClient, queueUrl: string, bodies: readonly string[]): Promise<void> {
  for (let start = 0; start < bodies.length; start += MESSAGES_PER_BATCH) {
    const entries = bodies.slice(start, start + MESSAGES_PER_BATCH).map((body, index) => ({ Id: String(start + index), MessageBody: body }));
    const response = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    if (response.Failed && response.Failed.length > 0) throw new Error(`SendMessageBatch failed for ${response.Failed.length} messages: ${response.Failed[0]?.Message}`);
  }
}

/** Returns the number of messages on the queue, visible or in flight. */
export async function messagesLeft(client: SQSClient, queueUrl: string): Promise<number> {
  const response = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
  );
  const attributes = response.Attributes ?? {};
  return Number(attributes.ApproximateNumberOfMessages ?? 0) + Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
}
