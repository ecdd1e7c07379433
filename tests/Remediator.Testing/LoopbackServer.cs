using System.Net;
using System.Net.Sockets;

namespace Remediator.Testing;

/// <summary>An HTTP server on 127.0.0.1 and a free port, for the local endpoints the tests talk to.</summary>
public abstract class LoopbackServer : IDisposable
{
    private HttpListener _listener = new();
    private readonly Task _loop;

    protected LoopbackServer()
    {
        // The free port is found by binding port 0, then released for HttpListener: another test's server may take it
        // in between, so a taken port means another try on a new one.
        for (var attempt = 1; ; attempt++)
        {
            using (var socket = new TcpListener(IPAddress.Loopback, 0))
            {
                socket.Start();
                Port = ((IPEndPoint)socket.LocalEndpoint).Port;
            }
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                _listener = new HttpListener();
            }
        }
        _loop = Task.Run(Loop);
    }

    public int Port { get; }

    /// <summary>True to serve each request on its own task (a server whose answers block, like the Runtime API's next).</summary>
    protected virtual bool Concurrent => false;

    protected abstract void Serve(HttpListenerContext ctx);

    private async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            if (Concurrent)
            {
                _ = Task.Run(() => Guarded(ctx));
            }
            else
            {
                Guarded(ctx);
            }
        }
    }

    private void Guarded(HttpListenerContext ctx)
    {
        try
        {
            Serve(ctx);
        }
        catch (Exception)
        {
            ctx.Response.Abort();
        }
    }

    protected virtual void Stopping()
    {
    }

    public void Dispose()
    {
        Stopping();
        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (HttpListenerException)
        {
            // .NET's managed HttpListener on Linux can report "Address already in use" while closing when servers
            // on other ports start and stop at the same moment; the listener is stopped either way.
        }
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }
        GC.SuppressFinalize(this);
    }
}
