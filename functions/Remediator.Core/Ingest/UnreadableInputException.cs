namespace Remediator.Core.Ingest;

/// <summary>
/// The input is not a log shape Remediator reads (binary, truncated gzip, invalid base64, JSON of another kind, a
/// value over a size cap). The message says what was found and what was expected, in one line.
/// </summary>
public sealed class UnreadableInputException : Exception
{
    public UnreadableInputException(string message) : base(message) { }

    public UnreadableInputException(string message, Exception inner) : base(message, inner) { }
}
