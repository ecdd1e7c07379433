using System.CommandLine;

namespace Remediator.Cli;

/// <summary>The <c>remediator</c> command line: parsing and exit codes; the work is in the command classes.</summary>
public static class RemediatorCommand
{
    /// <summary>
    /// Exit codes: 0 inputs read, 1 a 5xx finding with --fail-on-findings, 2 a usage error, an unreadable input or an
    /// output that cannot be written, 70 a fault of remediator's own (said in one line, never as a stack trace).
    /// </summary>
    public const int Ok = 0, FindingsFound = 1, UsageOrInputError = 2, InternalError = 70;

    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, Func<Stream> openStdin)
    {
        var root = new RootCommand("Remediator: finds out why an API Gateway + Lambda API answers 5xx, from its logs.");
        root.Subcommands.Add(DiagnoseCommand.Create(stdout, stderr, openStdin));
        root.Subcommands.Add(ReplayCommand.Create(stdout, stderr, Environment.GetEnvironmentVariable));
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                stderr.WriteLine($"remediator: {error.Message}");
            }
            stderr.WriteLine("Try 'remediator --help'.");
            return UsageOrInputError;
        }
        // Ctrl-C is left to the commands: `diagnose --follow` ends with its summary and its own exit code (the parser's
        // handler would exit 130 whatever the command does); elsewhere the runtime's default ends the process.
        // The parser's own handler would print a stack trace: a person gets one line saying what happened instead.
        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                Output = stdout, Error = stderr, ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false,
            });
        }
        catch (OperationCanceledException)
        {
            return 130; // interrupted, as a shell reports Ctrl-C
        }
        catch (IOException e)
        {
            // Standard output or error on a full disk or a broken device (the commands say so for their own files).
            TrySay(stderr, $"remediator: cannot write ({e.Message})");
            return UsageOrInputError;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            TrySay(stderr, $"remediator: unexpected error ({e.GetType().Name}: {e.Message}); this is a bug in remediator, please report it with the command you ran");
            return InternalError;
        }
    }

    private static void TrySay(TextWriter stderr, string line)
    {
        try
        {
            stderr.WriteLine(line);
        }
        catch (IOException)
        {
            // Standard error cannot be written either: the exit code is all that is left to say it.
        }
    }
}
