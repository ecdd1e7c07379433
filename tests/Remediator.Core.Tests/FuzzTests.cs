using System.Text;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Notify;
using Remediator.Core.Tests.Support;
using Xunit.Abstractions;

namespace Remediator.Core.Tests;

/// <summary>
/// Hostile and broken input over every input surface, with a fixed seed (FUZZ_SEED) and FUZZ_ITERATIONS inputs per
/// surface (default 2,000 in CI; a longer run: FUZZ_ITERATIONS=200000). Properties: no exception escapes other than
/// the documented <see cref="UnreadableInputException"/>; memory stays within the caps; a valid failure line anywhere
/// in the noise is still found.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    private static readonly int Iterations = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_ITERATIONS"), out var n) ? n : 2_000;
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var s) ? s : 20261127;

    private static readonly string[] Phrases = DecisivePhrases.All.Select(p => p.Text).ToArray();
    private static readonly string[] Fragments =
    [
        "(", ")", "{", "}", "[", "]", "\"", "\\", ":", ",", "=", "|", "> ", "...", "\t", "\r", "\0", "\u0001", "\u001b[31m", "\uFFFD", "é", "𝕏",
        "(8b3b0c39-1c5e-4c0a-9a6e-0d1f2a3b4c5d) ", "2016-10-01T10:55:36.315Z ", "Thu Apr 05 11:12:53 UTC 2018 : ", "@timestamp,@message",
        "{\"status\":", "\"502\"", "\"requestId\":\"r\"", "203.0.113.7 - - [07/Jun/2024:10:00:00 +0000] \"GET GET /x HTTP/1.1\" 500 35 id ",
        "arn:aws:lambda:us-east-1:123456789012:function:f", "/functions/", "/invocations", "X-Amz-Source-Arn=", "arn:aws:execute-api:",
        "Method completed with status: 9999999999999", "Integration latency: -1 ms", "${stageVariables.", "1e999", "-0", "null", "true",
    ];

    /// <summary>A random line: fragments, decisive phrases and lookalikes (a phrase with one character changed).</summary>
    private static string Line(Random r)
    {
        var sb = new StringBuilder();
        var parts = r.Next(1, 12);
        for (var i = 0; i < parts; i++)
        {
            switch (r.Next(4))
            {
                case 0:
                    sb.Append(Phrases[r.Next(Phrases.Length)]);
                    break;
                case 1:
                    var p = Phrases[r.Next(Phrases.Length)].ToCharArray();
                    p[r.Next(p.Length)] = (char)r.Next(32, 127);
                    sb.Append(p);
                    break;
                case 2:
                    sb.Append(Fragments[r.Next(Fragments.Length)]);
                    break;
                default:
                    sb.Append((char)r.Next(0, 0x3000));
                    break;
            }
        }
        if (r.Next(50) == 0)
        {
            sb.Append('x', r.Next(10_000, 300_000)); // very long lines
        }
        return sb.ToString();
    }

    private static void ReadAll(byte[] input)
    {
        try
        {
            var builder = new DiagnosisBuilder(new DiagnosisLimits(MaxOpenRequests: 200));
            foreach (var record in InputReader.Read(new MemoryStream(input), LogContext.For("fuzz"), new ReadLimits(MaxEnvelopeBytes: 4 << 20, MaxDecompressedBytes: 4 << 20, MaxJsonValueBytes: 4 << 20)))
            {
                builder.Add(record);
            }
            var result = builder.Build();
            foreach (var finding in result.Findings.Take(3))
            {
                FindingMessages.Build(finding, new AlertContext("123456789012", "us-east-1")).Size.ShouldBeLessThan(OutgoingMessage.MaxBytes);
            }
        }
        catch (UnreadableInputException)
        {
            // the one documented way to refuse an input
        }
    }

    [Fact]
    public void Fuzz_LogLines_NoExceptionButTheDocumentedOne()
    {
        var r = new Random(Seed);
        for (var i = 0; i < Iterations; i++)
        {
            var text = string.Join(r.Next(3) == 0 ? "\r\n" : "\n", Enumerable.Range(0, r.Next(1, 30)).Select(_ => Line(r)));
            ReadAll(Encoding.UTF8.GetBytes(text));
        }
        output.WriteLine($"log lines: {Iterations} inputs, seed {Seed}");
    }

    [Fact]
    public void Fuzz_RawBytesAndShapePrefixes_NoExceptionButTheDocumentedOne()
    {
        var r = new Random(Seed + 1);
        byte[][] prefixes = [[], "{"u8.ToArray(), "["u8.ToArray(), [0x1f, 0x8b], [0xEF, 0xBB, 0xBF], "{\"awslogs\":{\"data\":\""u8.ToArray(), "{\"events\":["u8.ToArray(), "@timestamp\t@message\n"u8.ToArray()];
        for (var i = 0; i < Iterations; i++)
        {
            var body = new byte[r.Next(0, 4096)];
            r.NextBytes(body);
            ReadAll([.. prefixes[r.Next(prefixes.Length)], .. body]);
        }
        output.WriteLine($"raw bytes: {Iterations} inputs");
    }

    [Fact]
    public void Fuzz_SubscriptionEnvelopes_MutatedInEveryWay()
    {
        var r = new Random(Seed + 2);
        var fixtures = Directory.GetFiles(Path.Combine(Fixtures.Root, "causes"), "*__execution.log").Select(File.ReadAllLines).ToArray();
        for (var i = 0; i < Iterations; i++)
        {
            var lines = fixtures[r.Next(fixtures.Length)];
            var envelope = Fixtures.Envelope("API-Gateway-Execution-Logs_a1b2c3d4e5/prod", lines.Select(l => r.Next(20) == 0 ? Line(r) : l));
            var mutated = (r.Next(9)) switch
            {
                0 => Flip(envelope, r),
                1 => envelope[..r.Next(envelope.Length)], // truncated anywhere
                2 => Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(envelope).Replace('+', '-').Replace('/', '_')), // the URL-safe alphabet
                3 => SubscriptionPayload.Wrap(Gzip(Gzip(Encoding.UTF8.GetBytes("{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":[]}")))), // gzip inside gzip
                4 => SubscriptionPayload.Wrap([.. "{\"messageType\":\"DATA_MESSAGE\",\"logGroup\":\"g\",\"logEvents\":[{\"id\":\"1\",\"timestamp\":1,\"message\":\"(x) "u8, 0xC3, 0x28, 0xFF, .. "\"}]}"u8]), // invalid UTF-8
                5 => SubscriptionPayload.Wrap(Encoding.UTF8.GetBytes("{\"logEvents\":[{\"message\":" + new string('[', 5_000) + new string(']', 5_000) + "}]}")), // deep nesting
                6 => SubscriptionPayload.Wrap(Encoding.UTF8.GetBytes("{\"logEvents\":[{\"id\":\"1\",\"timestamp\":1e999999,\"message\":\"(x) Method completed with status: 502\"}]}")), // huge numbers
                7 => SubscriptionPayload.Wrap(Encoding.UTF8.GetBytes("{\"logGroup\":\"a\",\"logGroup\":\"API-Gateway-Execution-Logs_x/y\",\"logEvents\":[{\"message\":\"m\",\"message\":\"(id1234567) Invalid permissions on Lambda function\"}]}")), // duplicate keys
                _ => envelope,
            };
            ReadAll(mutated);
        }
        output.WriteLine($"envelopes: {Iterations} inputs");
    }

    [Fact]
    public void Fuzz_AccessLogJsonWithHostileKeys_NoException()
    {
        var r = new Random(Seed + 3);
        string[] keys = ["status", "statusCode", "error", "error.message", "integrationError", "integration.status", "requestId", "$context.status", "", "\u0000", "a\"b", new string('k', 1000), "routeKey", "responseType"];
        for (var i = 0; i < Iterations; i++)
        {
            var sb = new StringBuilder();
            for (var line = 0; line < r.Next(1, 10); line++)
            {
                sb.Append('{');
                var fields = r.Next(1, 12);
                for (var f = 0; f < fields; f++)
                {
                    if (f > 0) sb.Append(',');
                    sb.Append(System.Text.Json.JsonSerializer.Serialize(keys[r.Next(keys.Length)] + (r.Next(3) == 0 ? Line(r) : ""))).Append(':');
                    sb.Append((r.Next(5)) switch
                    {
                        0 => r.Next(-1000, 100000).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        1 => "{\"message\":" + System.Text.Json.JsonSerializer.Serialize(Line(r)) + "}",
                        2 => "null",
                        3 => new string('[', 70) + new string(']', 70),
                        _ => System.Text.Json.JsonSerializer.Serialize(Line(r)),
                    });
                }
                sb.Append("}\n");
            }
            ReadAll(Encoding.UTF8.GetBytes(sb.ToString()));
        }
        output.WriteLine($"access-log JSON: {Iterations} inputs");
    }

    [Fact]
    public void Fuzz_CsvTsvExports_NoException()
    {
        var r = new Random(Seed + 4);
        for (var i = 0; i < Iterations; i++)
        {
            var sep = r.Next(2) == 0 ? ',' : '\t';
            var sb = new StringBuilder(r.Next(2) == 0 ? $"@timestamp{sep}@message\n" : "");
            for (var row = 0; row < r.Next(1, 20); row++)
            {
                var field = Line(r);
                sb.Append("2024-05-01 12:00:00.000").Append(sep).Append(r.Next(3) == 0 ? field : "\"" + field.Replace("\"", r.Next(2) == 0 ? "\"\"" : "\"", StringComparison.Ordinal)).Append('\n');
            }
            ReadAll(Encoding.UTF8.GetBytes(sb.ToString()));
        }
        output.WriteLine($"CSV/TSV: {Iterations} inputs");
    }

    [Fact]
    public void Fuzz_ValidFailureAnywhereInTheNoise_StillFound()
    {
        var r = new Random(Seed + 5);
        var fixtures = Directory.GetFiles(Path.Combine(Fixtures.Root, "causes"), "*__execution.log")
            .Where(f => Path.GetFileName(f).Split("__")[0] is not ("unknown" or "none"))
            .Select(f => (Cause: Path.GetFileName(f).Split("__")[0], Lines: File.ReadAllLines(f)))
            .ToArray();
        var tries = Math.Max(100, Iterations / 4);
        for (var i = 0; i < tries; i++)
        {
            var (cause, needle) = fixtures[r.Next(fixtures.Length)];
            // Noise: lines without request ids and without decisive phrases (random letters, brackets, control characters).
            var noise = Enumerable.Range(0, r.Next(0, 200)).Select(_ => new string(Enumerable.Range(0, r.Next(0, 120)).Select(_ => "abcdefghij {}[]()\"\t<>@#"[r.Next(23)]).ToArray())).ToList();
            var at = r.Next(noise.Count + 1);
            noise.InsertRange(at, needle);

            var result = Fixtures.DiagnoseText(string.Join('\n', noise));

            result.Findings.Select(f => f.Cause.ToName()).ShouldContain(cause, $"try {i}: {cause} at line {at}");
        }
        output.WriteLine($"needle in noise: {tries} inputs");
    }

    private static byte[] Flip(byte[] data, Random r)
    {
        var copy = (byte[])data.Clone();
        for (var k = 0; k < r.Next(1, 8); k++)
        {
            var at = r.Next(copy.Length);
            copy[at] ^= (byte)(1 << r.Next(8));
        }
        return copy;
    }

    private static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(data);
        }
        return ms.ToArray();
    }
}
