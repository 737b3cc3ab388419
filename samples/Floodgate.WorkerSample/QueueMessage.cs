namespace Floodgate.WorkerSample;

/// <summary>One message of the queue: whose it is and what it carries.</summary>
public sealed record QueueMessage(string Tenant, string Body);
