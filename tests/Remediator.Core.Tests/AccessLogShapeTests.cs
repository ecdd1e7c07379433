using System.Text.Encodings.Web;
using System.Text.Json;
using Remediator.Core.Diagnosis;
using Remediator.Core.Tests.Support;

namespace Remediator.Core.Tests;

/// <summary>
/// Access logs come in the shapes execution logs come in (issue 12, item 9): every access-log fixture (JSON lines,
/// pretty-printed JSON, CLF), its entries written out as filter-log-events output, a Logs Insights JSON export (the
/// line as a string, and a JSON entry as the object Insights shows), an Insights CSV, <c>aws logs tail</c>'s default
/// format with and without the group in front, console copies, a DATA_MESSAGE and a subscription envelope, gives the
/// findings of the plain file.
/// </summary>
public class AccessLogShapeTests
{
    /// <summary>An access-log group is named by its owner: it names no API or stage, nor starts like the groups AWS names.</summary>
    private const string Group = "books-api-access-logs";

    private static readonly string[] Shapes =
    [
        "filter-log-events", "insights-json", "insights-json-object", "insights-csv", "tail-detailed", "tail-group",
        "console-numbered", "console-tabs", "console-numbered-tabs", "data-message", "envelope",
    ];

    public static TheoryData<string, string> AccessLogsInEveryShape
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var f in Directory.GetFiles(Path.Combine(Fixtures.Root, "causes"), "*__access*").Order(StringComparer.Ordinal))
            {
                if (f.EndsWith(".expect", StringComparison.Ordinal))
                {
                    continue;
                }
                var fixture = Path.GetRelativePath(Fixtures.Root, f);
                foreach (var shape in Shapes)
                {
                    if (shape != "insights-json-object" || !fixture.EndsWith(".clf", StringComparison.Ordinal)) // a CLF line is no object
                    {
                        data.Add(fixture, shape);
                    }
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(AccessLogsInEveryShape))]
    public void Diagnose_AccessLogShapedAsPeopleGetIt_SameFindings(string fixture, string shape)
    {
        var plain = Fixtures.Diagnose(fixture);

        var result = Fixtures.DiagnoseText(LogShapes.Render(shape, Entries(fixture), Group));

        LogShapes.Signature(result, api: true).ShouldBe(LogShapes.Signature(plain, api: true));
        result.Warnings.ShouldBe(plain.Warnings);
    }

    /// <summary>The entries of an access-log file, one line each: a pretty-printed entry is written on one line, as CloudWatch stores it.</summary>
    private static List<string> Entries(string fixture)
    {
        if (File.ReadLines(Fixtures.PathOf(fixture)).Any(l => l == "{"))
        {
            var entries = new List<string>();
            var reader = new Utf8JsonReader(File.ReadAllBytes(Fixtures.PathOf(fixture)), new JsonReaderOptions { AllowMultipleValues = true });
            while (reader.Read())
            {
                using var doc = JsonDocument.ParseValue(ref reader);
                entries.Add(JsonSerializer.Serialize(doc.RootElement, Compact));
            }
            return entries;
        }
        return LogShapes.Events(fixture, _ => true);
    }

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
