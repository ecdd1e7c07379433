using System.Text;
using Remediator.Core.Diagnosis;
using Remediator.Core.Report;

namespace Remediator.Cli;

/// <summary>Writes one diagnosis in the chosen format, to standard output or to the file <c>-o</c> names.</summary>
internal static class ReportOutput
{
    public const string Html = "html";

    public static string[] Formats { get; } = ["text", "json", "markdown", Html];

    /// <param name="terminal">Standard output is a terminal: text is drawn by <see cref="TerminalReport"/>, with sparklines.</param>
    /// <returns>False when the output file or standard output cannot be written (said on standard error).</returns>
    public static bool Write(string format, DiagnosisResult result, Timeline timeline, IReadOnlyList<string> inputs, bool colour, bool terminal,
        string? outputPath, TextWriter stdout, TextWriter stderr)
    {
        if (outputPath is not null)
        {
            return WriteFile(outputPath, Render(format, result, timeline, inputs), stderr);
        }
        try
        {
            WriteToStandardOutput(format, result, timeline, inputs, colour, terminal, stdout);
            return true;
        }
        catch (IOException e)
        {
            // A full disk or a broken device behind a redirection: one line, as for an output file, not a stack trace.
            stderr.WriteLine($"remediator: standard output: cannot write the report ({e.Message})");
            return false;
        }
    }

    private static void WriteToStandardOutput(string format, DiagnosisResult result, Timeline timeline, IReadOnlyList<string> inputs, bool colour,
        bool terminal, TextWriter stdout)
    {
        if (format == "text" && terminal)
        {
            TerminalReport.Write(result, timeline, colour, stdout);
            return;
        }
        if (format == "json" && ReferenceEquals(stdout, Console.Out) && Console.OutputEncoding.CodePage == Encoding.UTF8.CodePage)
        {
            // Straight to the standard output's bytes, the ones the console writer would encode (UTF-8, no mark):
            // streamed, not built whole (JsonReport.FlushBytes).
            stdout.Flush();
            using var bytes = Console.OpenStandardOutput();
            JsonReport.Write(bytes, result, timeline);
            bytes.Write(Encoding.UTF8.GetBytes(Environment.NewLine));
            return;
        }
        stdout.Write(Render(format, result, timeline, inputs));
    }

    private static string Render(string format, DiagnosisResult result, Timeline timeline, IReadOnlyList<string> inputs) => format switch
    {
        "json" => JsonReport.ToJson(result, timeline) + Environment.NewLine,
        "markdown" => MarkdownReport.Render(result),
        Html => HtmlReport.Render(result, timeline, inputs),
        _ => TextReport.Render(result, colour: false),
    };

    private static bool WriteFile(string outputPath, string text, TextWriter stderr)
    {
        try
        {
            File.WriteAllText(outputPath, text);
            stderr.WriteLine($"remediator: wrote {outputPath}");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"remediator: {outputPath}: cannot write ({e.Message})");
            return false;
        }
    }
}
