namespace Remediator.Core.Notify;

/// <summary>An SNS message attribute, for subscribers' filter policies.</summary>
public sealed record MessageAttribute(string Name, string Value, string DataType = "String");

/// <summary>
/// One finding, or one digest of an API and stage's findings (<see cref="DigestMessages"/>), as it is published: SNS <c>MessageStructure=json</c> with a body per protocol.
/// <list type="bullet">
/// <item><c>https</c>: the Amazon Q Developer in chat applications (AWS Chatbot) custom notification; Chatbot subscribes over https.</item>
/// <item><c>email</c>: plain text a person reads in ten seconds.</item>
/// <item><c>default</c>, so SQS, Lambda and email-json: the machine JSON (a digest: <c>remediator.digest/1</c>; one finding: <c>remediator.finding/3</c>).</item>
/// </list>
/// </summary>
public sealed record OutgoingMessage(
    string FindingId,
    string Subject,
    IReadOnlyList<MessageAttribute> Attributes,
    string Chatbot,
    string Email,
    string Machine)
{
    /// <summary>Every finding the message holds (a digest holds several; <see cref="FindingId"/> is then the digest's id).</summary>
    public IReadOnlyList<string> FindingIds { get => field ?? [FindingId]; init; }

    /// <summary>A digest's items, kept to number its parts.</summary>
    internal IReadOnlyList<DigestItem>? Items { get; init; }

    /// <summary>True when the digest had to drop commands and samples to stay small.</summary>
    public bool Compact { get; init; }

    /// <summary>SNS's limit for one message: body, subject and attributes together (262,144 bytes).</summary>
    public const int MaxBytes = 256 * 1024;

    private string? _structured;

    /// <summary>The <c>Message</c> parameter for <c>MessageStructure=json</c> (built once).</summary>
    public string Structured => _structured ??= StructuredMessage.Build(Chatbot, Email, Machine);

    /// <summary>Bytes SNS counts against <see cref="MaxBytes"/>.</summary>
    public int Size => System.Text.Encoding.UTF8.GetByteCount(Structured) + System.Text.Encoding.UTF8.GetByteCount(Subject)
        + Attributes.Sum(a => System.Text.Encoding.UTF8.GetByteCount(a.Name) + System.Text.Encoding.UTF8.GetByteCount(a.Value) + a.DataType.Length);
}

internal static class StructuredMessage
{
    public static string Build(string chatbot, string email, string machine)
    {
        return Report.JsonText.Write(Report.JsonReport.Options(indented: false), w =>
        {
            w.WriteStartObject();
            // Each body once: SNS gives a protocol without a key of its own the default. Chatbot subscribes over https
            // (and silently drops anything that is not its notification shape); e-mail gets the text; SQS, Lambda and
            // email-json get the machine JSON through default. Writing it under each of their keys tripled a digest.
            w.WriteString("default", machine);
            w.WriteString("https", chatbot);
            w.WriteString("email", email);
            w.WriteEndObject();
        });
    }
}
