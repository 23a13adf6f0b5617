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
    public static int Report(Exception e, bool verbose)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerException!;
        switch (e)
        {
            case UsageException:
                Console.Error.WriteLine($"error: {e.Message}");
                Console.Error.WriteLine("Run 'funccnn --help' (or 'funccnn <command> --help') for usage.");
                return ExitCodes.Usage;
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
