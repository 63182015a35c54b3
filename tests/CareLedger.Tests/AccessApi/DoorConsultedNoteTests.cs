using CareLedger.AccessApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CareLedger.Tests.AccessApi;

/// <summary>
/// The "door consulted" note decides whether a 403 is left out of the refusal audit (the door recorded it). It is a
/// request feature: it must end with its request, also on a kept-alive Kestrel connection, or a later refusal beside the
/// door on the same connection would go unaudited.
/// </summary>
public sealed class DoorConsultedNoteTests
{
    [Fact]
    public async Task The_note_ends_with_its_request_on_a_kept_alive_connection()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/noted", (HttpContext context) =>
        {
            var before = RefusalAudit.DoorWasConsulted(context);
            RefusalAudit.NoteDoorConsulted(context);
            return $"{before} {RefusalAudit.DoorWasConsulted(context)}";
        });
        app.MapGet("/plain", (HttpContext context) => RefusalAudit.DoorWasConsulted(context).ToString());
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            // One connection, kept alive: every request below is served on it, one after another.
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = new Uri(address) };
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal("False True", await http.GetStringAsync(new Uri("/noted", UriKind.Relative)));
                Assert.Equal("False", await http.GetStringAsync(new Uri("/plain", UriKind.Relative)));
            }
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
