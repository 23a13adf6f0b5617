namespace FuncCnn.Cli;

/// <summary>The process exit codes of funccnn.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    /// <summary>Training was interrupted with Ctrl+C; what was trained so far was saved.</summary>
    public const int Interrupted = 130;
}

/// <summary>A mistake in how funccnn was called (an unknown preset, a missing option): exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>Turns exceptions into one message on stderr and an exit code; stack traces only with --verbose.</summary>
internal static class Errors
{
    /// <summary>A usage error: one line on stderr naming the option, the value and what is allowed; exit code 2.</summary>
    public static int Usage(string message)
    {
        Console.Error.WriteLine($"error: {message.TrimEnd()} Run 'funccnn --help' (or 'funccnn <command> --help') for usage.");
        return ExitCodes.Usage;
    }

    /// <summary>
    /// The one message for a command line that does not parse: a missing or unknown command is said as
    /// such (with the list of commands), otherwise the parser's first error.
    /// </summary>
    public static string ParseErrorMessage(System.CommandLine.RootCommand root, IReadOnlyList<string> args, IReadOnlyList<string> errors)
    {
        var commands = string.Join(", ", root.Subcommands.Select(c => c.Name));
        var first = args.FirstOrDefault(a => !a.StartsWith('-'));
        bool onlyOptions = args.All(a => a.StartsWith('-'));
        if (first is not null && !root.Subcommands.Any(c => c.Name == first || c.Aliases.Contains(first)))
            return $"unknown command '{OneLine(first)}'; the commands are: {commands}.";
        if (first is null && onlyOptions)
            return $"no command given; the commands are: {commands}.";
        var message = errors.FirstOrDefault(e => !e.StartsWith("Required command was not provided")) ?? errors[0];
        return OneLine(message);
    }

    /// <summary>User text for a one-line message: no line breaks, at most 200 characters.</summary>
    private static string OneLine(string text)
    {
        var flat = text.ReplaceLineEndings(" ");
        return flat.Length > 200 ? flat[..200] + "..." : flat;
    }

    public static int Report(Exception e, bool verbose)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerException!;
        switch (e)
        {
            case UsageException:
                return Usage(e.Message);
            // Expected failures: bad data, files, shapes and values. The message says what to fix.
            case FuncCnnException or IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or FormatException or InvalidOperationException:
                Console.Error.WriteLine($"error: {e.Message}");
                break;
            default:
                Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
                break;
        }
        if (verbose) Console.Error.WriteLine(e);
        return ExitCodes.Failure;
    }
}
