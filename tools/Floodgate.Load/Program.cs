using Floodgate.Load;
using Spectre.Console;

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
