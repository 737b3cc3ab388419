using Floodgate.Replay;
using Spectre.Console;

return await ReplayCommand.RunAsync(args, AnsiConsole.Console, Console.Out, Console.Error, Console.In);
