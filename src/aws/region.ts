/** AWS region names, such as us-east-1, eu-central-2, us-gov-west-1 or cn-north-1. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * Returns the region named in an SQS queue URL, such as
 * https://sqs.us-east-2.amazonaws.com/123456789012/jobs or the legacy
 * https://us-east-2.queue.amazonaws.com/123456789012/jobs.
 */
export function regionFromQueueUrl(queueUrl: string): string | undefined {
  let host: string;
  try {
    host = new URL(queueUrl).hostname;
  } catch {
    return undefined;
  }
  const labels = host.split(".");
  let candidate: string | undefined;
  if (labels[0] === "sqs") candidate = labels[1];
  else if (labels[1] === "queue") candidate = labels[0];
  return candidate && REGION.test(candidate) ? candidate : undefined;
}

/** Returns the region field of an ARN such as arn:aws:states:us-east-1:123456789012:activity:resize. */
export function regionFromArn(arn: string): string | undefined {
  const region = arn.split(":")[3];
  return region && REGION.test(region) ? region : undefined;
}
