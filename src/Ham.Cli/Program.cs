using Ham.Cli;
using Spectre.Console.Cli;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("ham");
    config.SetExceptionHandler((exception, _) => Log.Fail(exception));
    // One line per command; each command lives in Commands/<Name>Command.cs.
    config.AddCommand<Ham.Cli.Commands.ReportCommand>("report");
    config.AddCommand<Ham.Cli.Commands.DgCommand>("dg");
});
return app.Run(args);
