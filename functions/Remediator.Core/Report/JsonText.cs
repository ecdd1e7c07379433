using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Remediator.Core.Report;

/// <summary>
/// JSON written to a string through one buffer per thread that stays warm across calls. A MemoryStream per body grew
/// by doubling and was then copied whole by ToArray: for a 100 KB digest that was about three times its bytes of
/// garbage before the string itself, for every body of every message and every log line (docs/performance.md).
/// </summary>
public static class JsonText
{
    // Bodies larger than this give their buffer back, so that one huge message does not pin its memory for the
    // execution environment's life.
    private const int KeepBytes = 512 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    public static string Write(JsonWriterOptions options, Action<Utf8JsonWriter> write)
    {
        // Taken, not shared: a body written while another is being written (nested calls) gets a buffer of its own.
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(4096);
        t_buffer = null;
        try
        {
            using (var w = new Utf8JsonWriter(buffer, options))
            {
                write(w);
            }
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        finally
        {
            if (buffer.Capacity <= KeepBytes)
            {
                buffer.ResetWrittenCount();
                t_buffer = buffer;
            }
        }
    }
}
