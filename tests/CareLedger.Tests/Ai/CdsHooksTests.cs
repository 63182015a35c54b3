using System.Net;
using System.Text.Json;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Tests.Ai;

[Collection(AiCollection.Name)]
public sealed class CdsHooksTests(AiTestHost host)
{
    private const string PatientView = AiTestHost.ModelName + "-patient-view";
    private const string OrderSelect = AiTestHost.ModelName + "-order-select";

    [Fact]
    public async Task Discovery_lists_a_patient_view_and_an_order_select_service_per_deployable_model()
    {
        using var clinician = host.Clinician();

        var discovery = await JsonAsync(await clinician.GetAsync("cds-services"));

        var services = discovery.GetProperty("services").EnumerateArray().ToList();
        var patientView = services.Single(s => s.GetProperty("id").GetString() == PatientView);
        Assert.Equal("patient-view", patientView.GetProperty("hook").GetString());
        Assert.False(string.IsNullOrWhiteSpace(patientView.GetProperty("description").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(patientView.GetProperty("title").GetString()));
        Assert.Equal(JsonValueKind.Object, patientView.GetProperty("prefetch").ValueKind);
        Assert.Equal("order-select", services.Single(s => s.GetProperty("id").GetString() == OrderSelect).GetProperty("hook").GetString());
    }

    [Fact]
    public async Task Patient_view_returns_a_card_with_the_prediction_its_explanation_and_its_receipt()
    {
        using var clinician = host.Clinician();

        var response = await JsonAsync(await clinician.PostAsync($"cds-services/{PatientView}", Request("patient-view", AiTestHost.PatientOfRow(0))));

        var card = Assert.Single(response.GetProperty("cards").EnumerateArray());
        Assert.True(Guid.TryParse(card.GetProperty("uuid").GetString(), out _));
        var summary = card.GetProperty("summary").GetString()!;
        Assert.InRange(summary.Length, 1, 139);
        Assert.Contains(card.GetProperty("indicator").GetString(), new[] { "info", "warning", "critical" });
        Assert.StartsWith("CareLedger AI: " + AiTestHost.ModelId, card.GetProperty("source").GetProperty("label").GetString(), StringComparison.Ordinal);
        Assert.Contains("| glucose |", card.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var links = card.GetProperty("links").EnumerateArray().ToList();
        Assert.All(links, l => Assert.Equal("absolute", l.GetProperty("type").GetString()));
        Assert.All(links, l => Assert.False(string.IsNullOrWhiteSpace(l.GetProperty("label").GetString())));
        var receipt = links.Select(l => l.GetProperty("url").GetString()!).Single(u => u.Contains("/ledger/receipts/", StringComparison.Ordinal));
        Assert.True(host.Node.Ledger.State.TryGetLeafIndex(TxId.Parse(receipt[(receipt.LastIndexOf('/') + 1)..]), out _));
        Assert.False(card.TryGetProperty("suggestions", out _));
    }

    [Fact]
    public async Task Order_select_answers_beside_the_selected_orders()
    {
        using var clinician = host.Clinician();
        var request = $$"""
            {"hook":"order-select","hookInstance":"{{Guid.NewGuid()}}",
             "context":{"userId":"Practitioner/{{AiTestHost.TreatingPractitioner}}","patientId":"{{AiTestHost.PatientOfRow(1)}}",
                        "selections":["MedicationRequest/draft-1"],
                        "draftOrders":{"resourceType":"Bundle","type":"collection","entry":[]} } }
            """;

        var response = await JsonAsync(await clinician.PostAsync($"cds-services/{OrderSelect}", AiTestHost.Json(request)));

        Assert.Single(response.GetProperty("cards").EnumerateArray());
    }

    [Fact]
    public async Task Without_a_treatment_consent_the_card_says_no_prediction_is_permitted()
    {
        using var clinician = host.Clinician();

        // Row 15 (1-based) gave no treatment consent.
        var response = await JsonAsync(await clinician.PostAsync($"cds-services/{PatientView}", Request("patient-view", AiTestHost.PatientOfRow(14))));

        var card = Assert.Single(response.GetProperty("cards").EnumerateArray());
        Assert.Equal("info", card.GetProperty("indicator").GetString());
        Assert.Contains("consent", card.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("%", card.GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_for_another_hook_or_without_a_token_is_refused()
    {
        using var clinician = host.Clinician();

        Assert.Equal(HttpStatusCode.BadRequest, (await clinician.PostAsync($"cds-services/{PatientView}", Request("order-select", AiTestHost.PatientOfRow(0)))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await clinician.PostAsync($"cds-services/{PatientView}", AiTestHost.Json("""{"hook":"patient-view","hookInstance":"x"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await clinician.PostAsync("cds-services/no-such-service", Request("patient-view", AiTestHost.PatientOfRow(0)))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Anonymous().PostAsync($"cds-services/{PatientView}", Request("patient-view", AiTestHost.PatientOfRow(0)))).StatusCode);
    }

    [Fact]
    public async Task A_diagnostic_model_answers_patient_view_with_a_positive_or_negative_card()
    {
        using var clinician = host.Clinician();

        // WDBC row 1 is malignant: the card says positive, at the critical indicator.
        var response = await JsonAsync(await clinician.PostAsync($"cds-services/{AiTestHost.DiagnosticModelName}-patient-view", Request("patient-view", AiTestHost.WdbcPatientOfRow(0))));

        var card = Assert.Single(response.GetProperty("cards").EnumerateArray());
        Assert.StartsWith("Positive (", card.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Equal("critical", card.GetProperty("indicator").GetString());
    }

    [Fact]
    public async Task A_system_token_gets_an_info_card_saying_no_prediction_is_permitted()
    {
        using var system = host.System();

        var response = await JsonAsync(await system.PostAsync($"cds-services/{PatientView}", Request("patient-view", AiTestHost.PatientOfRow(0))));

        var card = Assert.Single(response.GetProperty("cards").EnumerateArray());
        Assert.Equal("info", card.GetProperty("indicator").GetString());
        Assert.Contains("treatment relationship", card.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static StringContent Request(string hook, string patientId) => AiTestHost.Json($$"""
        {"hook":"{{hook}}","hookInstance":"{{Guid.NewGuid()}}","context":{"userId":"Practitioner/{{AiTestHost.TreatingPractitioner}}","patientId":"{{patientId}}"} }
        """);

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
