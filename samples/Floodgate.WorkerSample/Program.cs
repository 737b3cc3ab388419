using System.Threading.Channels;
using Floodgate;
using Floodgate.Redis;
using Floodgate.WorkerSample;

// A worker that drains a queue no faster than each tenant's limit allows, with the limit's state in Redis so that
// every instance of the worker shares it. No web host: Floodgate and Floodgate.Redis alone.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddFloodgateCore().AddRedis();   // reads Floodgate:Redis (appsettings.json)
builder.Services.AddSingleton(Channel.CreateUnbounded<QueueMessage>());
builder.Services.AddHostedService<QueueConsumer>();

var host = builder.Build();
var queue = host.Services.GetRequiredService<Channel<QueueMessage>>();
for (var i = 0; i < 20; i++)
{
    queue.Writer.TryWrite(new QueueMessage(i % 2 == 0 ? "tenant-a" : "tenant-b", $"order-{i}"));
}

host.Run();
