/**
 * Lambda event and context fixtures: SQS messages carrying S3 event notifications exactly as
 * S3 → SQS delivers them (the notification JSON as the message body, keys URL-encoded with
 * `+` for spaces), and a Lambda context.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';

/** S3's key encoding in event notifications (form encoding, `/` kept). */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** One ObjectCreated notification as S3 sends it to SQS. */
export function s3ObjectCreated(bucket: string, key: string, size: number, etag: string, eventName = 'ObjectCreated:Post') {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName,
        userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'EXAMPLE123', 'x-amz-id-2': 'EXAMPLE/ID2' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'uploads-to-queue',
          bucket: { name: bucket, ownerIdentity: { principalId: 'EXAMPLE' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeS3EventKey(key), size, eTag: etag.replace(/"/g, ''), sequencer: '0062E99A88DC407460' },
        },
      },
    ],
  };
}

/** The test event S3 sends when a notification is configured. */
export function s3TestEvent(bucket: string) {
  return {
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: new Date().toISOString(),
    Bucket: bucket,
    RequestId: 'EXAMPLE',
    HostId: 'EXAMPLE',
  };
}

/** An SQS record whose body is `body` (JSON-encoded unless a string). */
export function sqsRecord(body: unknown, options: { receiveCount?: number; messageId?: string } = {}): SQSRecord {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: `AQEB${randomUUID()}`,
    body: text,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(text).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:cardocr-test',
    awsRegion: 'us-east-1',
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** A Lambda context with `remainingMs` left. */
export function lambdaContext(functionName: string, remainingMs = 60_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '2048',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
