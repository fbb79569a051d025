using Spectre.Console;
using Spectre.Console.Cli;

namespace Ham.Cli;

/// <summary>
/// The tool's one logger: progress and results to stdout, errors to stderr. Plain lines when the output is not a
/// terminal, so that logs and CI read the same as a person does.
/// </summary>
public static class Log
{
    private static readonly IAnsiConsole Error = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Error),
    });

    public static bool IsTerminal { get; } = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Ansi;

    public static void Info(string message) => Console.Out.WriteLine(message);

    public static void Warn(string message) => Console.Error.WriteLine($"warning: {message}");

    /// <summary>Reports an error as the tool's last word: the message alone for bad input, the trace for bugs.</summary>
    public static int Fail(Exception exception)
    {
        var (message, code) = exception switch
        {
            CommandParseException or CommandRuntimeException => (exception.Message, 2),
            IOException or InvalidDataException or ArgumentException or FormatException
                or InvalidOperationException or UnauthorizedAccessException => (exception.Message, 1),
            _ => (exception.ToString(), 70),
        };
        Error.MarkupLineInterpolated($"[red]ham: {message}[/]");
        return code;
    }
}
