using Remediator.Core.Scan;

namespace Remediator.Core.Tests;

/// <summary>
/// The block-wide trigger search (<see cref="PhraseTriage.NextCandidate"/>, through <see cref="LineKindCache.KindAt"/>
/// as the scanners call it) misses no line that holds a searched phrase, wherever the phrase sits in the line and
/// wherever the line sits against the search's vectors (it reads 32 chars at a time, three of them at once), and
/// flags no line of an ordinary request.
/// </summary>
public class PhraseTriageTests
{
    private const string Id = "(6513270e-269e-0d37-f2a7-4de452e6b438) ";

    // Lines of a request that succeeds, with data tracing: none holds a searched phrase.
    private static readonly string[] Plain =
    [
        "Extended Request Id: 95319855d9dc9f8=",
        "Verifying Usage Plan for request: 6513270e-269e-0d37-f2a7-4de452e6b438. API Key:  API Stage: uwe3g5jm54/Prod",
        "HTTP Method: GET, Resource Path: /orders",
        "Method request headers: {Accept=application/json, User-Agent=curl/8.4.0, Host=uwe3g5jm54.execute-api.eu-west-2.amazonaws.com}",
        "Endpoint request URI: https://lambda.eu-west-2.amazonaws.com/2015-03-31/functions/arn:aws:lambda:eu-west-2:958845080241:function:svc-orders/invocations",
        "Endpoint response body before transformations: {\"statusCode\":200,\"body\":\"{\\\"ok\\\":true, \\\"caf\u00e9\\\":\\\"\u2019\\\"}\"}",
        "Received response. Integration latency: 524 ms",
    ];

    [Fact]
    public void KindAt_EverySearchedPhraseAtEveryOffset_Flagged()
    {
        var kinds = new LineKindCache();
        foreach (var phrase in PhraseTriage.Searched)
        {
            for (var pad = 0; pad < 40; pad++)
            {
                // The phrase line after two plain ones, at a shifting place of the block and of its own text.
                var phraseLine = Id + new string('x', pad) + " " + phrase + " 5";
                string[] lines = [Id + Plain[pad % Plain.Length], Id + Plain[(pad + 3) % Plain.Length][..Math.Min(pad + 5, 37)], phraseLine, Id + Plain[(pad + 1) % Plain.Length]];
                var block = string.Join('\n', lines);
                var candidate = -1;
                var start = 0;
                foreach (var line in lines)
                {
                    var kind = kinds.KindAt(block, start, line.Length, Id.Length - 2, ref candidate);
                    if (ReferenceEquals(line, phraseLine))
                    {
                        kind.ShouldNotBe(LineKind.Deferrable, phraseLine);
                    }
                    else
                    {
                        kind.ShouldBe(LineKind.Deferrable, line);
                    }
                    start += line.Length + 1;
                }
            }
        }
    }

    [Fact]
    public void NextCandidate_PlainLines_NoTrigger()
    {
        foreach (var line in Plain)
        {
            PhraseTriage.NextCandidate(Id + line).ShouldBe(-1, line);
        }
    }
}
