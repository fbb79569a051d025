using System.Text.RegularExpressions;
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

    /// <summary>Reports an error as the tool's last word: the message alone for bad input, the trace for
    /// bugs.</summary>
    public static int Fail(Exception exception, IReadOnlyList<string>? arguments = null)
    {
        var (message, code) = Describe(exception, arguments);
        // Spectre wraps at the console width; a redirected stderr gets the message as one unwrapped line.
        if (Console.IsErrorRedirected) Console.Error.WriteLine($"ham: {message}");
        else Error.MarkupLineInterpolated($"[red]ham: {message}[/]");
        return code;
    }

    /// <summary>The error text and exit code: the message for bad input (1, or 2 for the command line), 130 for an
    /// interrupt (Ctrl+C), the trace (70) for anything else.</summary>
    public static (string Message, int Code) Describe(Exception exception, IReadOnlyList<string>? arguments = null) =>
        exception switch
    {
        CommandParseException or CommandRuntimeException => (OptionValue(Message(exception), arguments), 2),
        OperationCanceledException => ("interrupted", 130),
        IOException or InvalidDataException or ArgumentException or FormatException
            or UnauthorizedAccessException => (Message(exception), 1),
        InvalidOperationException when ThrownByHam(exception) => (Message(exception), 1),
        _ => (exception.ToString(), 70),
    };

    // Ham throws InvalidOperationException for a state the user can change (a training that diverged); the runtime
    // throws it for bugs ("Nullable object must have a value"), which need their trace.
    private static bool ThrownByHam(Exception exception) =>
        exception.TargetSite?.DeclaringType?.Assembly.GetName().Name?.StartsWith("Ham.", StringComparison.Ordinal)
            is true;

    // Spectre says "Failed to convert 'abc' to Nullable`1." for `--steps abc`; the command line tells which option.
    private static string OptionValue(string message, IReadOnlyList<string>? arguments)
    {
        var match = Regex.Match(message, @"^Failed to convert '(.*)' to (.*)\.$");
        if (!match.Success) return message;
        var value = match.Groups[1].Value;
        var option = "an option";
        for (var i = 0; arguments is not null && i < arguments.Count; i++)
        {
            if (arguments[i] == value && i > 0 && arguments[i - 1].StartsWith('-')) option = arguments[i - 1];
            else if (arguments[i].StartsWith('-') && arguments[i].EndsWith($"={value}", StringComparison.Ordinal))
                option = arguments[i][..^(value.Length + 1)];
            else continue;
            break;
        }
        // Ham's valued options that are not strings are all numbers (int?, long?, double?: Nullable`1).
        var type = match.Groups[2].Value;
        return type is "Nullable`1" or "Int32" or "Int64" or "Double"
            ? $"{option}: '{value}' is not a number"
            : $"{option}: '{value}' is not a valid {type}";
    }

    // The message without .NET's " (Parameter 'x')" and "Actual value was v." additions (the messages name both).
    private static string Message(Exception exception)
    {
        var message = exception.Message;
        if (exception is ArgumentException { ParamName: { } name })
        {
            var at = message.IndexOf($" (Parameter '{name}')", StringComparison.Ordinal);
            if (at >= 0) message = message[..at];
        }
        return message;
    }
}
