using System.CommandLine;

namespace Remediator.Cli;

/// <summary>The <c>remediator</c> command line: parsing and exit codes; the work is in the command classes.</summary>
public static class RemediatorCommand
{
    /// <summary>Exit codes: 0 inputs read, 1 a 5xx finding with --fail-on-findings, 2 a usage error or an unreadable input.</summary>
    public const int Ok = 0, FindingsFound = 1, UsageOrInputError = 2;

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
        return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = null });
    }
}
