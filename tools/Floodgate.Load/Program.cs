using Floodgate.Load;
using Spectre.Console;

// Socket completions run on the socket engine's threads (one per core) instead of being handed to the thread pool one
// by one: the tool's work per response is small (parse it, count it, send the next request), and the hand-off was a
// thread wake-up and a context switch per response, CPU the server on the same machine lost. The runtime reads this
// variable once, when the first socket operation starts, so it must be set before any. Set it to 0 to turn this off.
if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
{
    Environment.SetEnvironmentVariable(InlineCompletions, "1");
}

// The first Ctrl+C stops the run and still reports; a second one ends the process.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (!stop.IsCancellationRequested)
    {
        e.Cancel = true;
        stop.Cancel();
    }
};

return await LoadCommand.RunAsync(args, AnsiConsole.Console, Console.Out, Console.Error, TimeProvider.System, stop.Token);

internal static partial class Program
{
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
}
