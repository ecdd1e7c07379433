using Remediator.Core.Diagnosis;
using Remediator.Core.Report;

namespace Remediator.Cli;

/// <summary>Writes one diagnosis in the chosen format, to standard output or to the file <c>-o</c> names.</summary>
internal static class ReportOutput
{
    public const string Html = "html";

    public static string[] Formats { get; } = ["text", "json", "markdown", Html];

    /// <param name="terminal">Standard output is a terminal: text is drawn by <see cref="TerminalReport"/>, with sparklines.</param>
    /// <returns>False when the output file cannot be written (said on standard error).</returns>
    public static bool Write(string format, DiagnosisResult result, Timeline timeline, IReadOnlyList<string> inputs, bool colour, bool terminal,
        string? outputPath, TextWriter stdout, TextWriter stderr)
    {
        if (format == "text" && terminal && outputPath is null)
        {
            TerminalReport.Write(result, timeline, colour, stdout);
            return true;
        }
        var text = format switch
        {
            "json" => JsonReport.ToJson(result, timeline) + Environment.NewLine,
            "markdown" => MarkdownReport.Render(result),
            Html => HtmlReport.Render(result, timeline, inputs),
            _ => TextReport.Render(result, colour: false),
        };
        if (outputPath is null)
        {
            stdout.Write(text);
            return true;
        }
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
