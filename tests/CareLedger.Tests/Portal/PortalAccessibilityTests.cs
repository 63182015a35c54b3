using Microsoft.Playwright;

namespace CareLedger.Tests.Portal;

/// <summary>
/// Issue 7: accessible (labels, keyboard, contrast) and responsive. Every page of every role is checked in Chromium, on a
/// desktop and on a phone-sized viewport: each form control has an accessible name, each page one h1, all visible text
/// meets WCAG 2.1 AA contrast against its real background, nothing scrolls sideways, and the keyboard reaches the
/// content through a visible skip link.
/// </summary>
[Collection(PortalTestNode.Collection)]
public sealed class PortalAccessibilityTests(PortalTestNode portal)
{
    /// <summary>Runs in the page: every problem found, in words (empty when none).</summary>
    private const string Audit = """
        () => {
          const problems = [];
          for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea, button')) {
            const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
              || (el.tagName === 'BUTTON' && el.textContent.trim().length > 0);
            if (!named) problems.push('a control without an accessible name: ' + el.outerHTML.slice(0, 100));
          }
          const h1 = document.querySelectorAll('h1').length;
          if (h1 !== 1) problems.push(h1 + ' h1 elements');
          const rgb = s => { const m = s.match(/rgba?\(([^)]+)\)/); return m ? m[1].split(',').map(v => parseFloat(v)) : null; };
          const luminance = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
          const background = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor); if (c && (c.length < 4 || c[3] > 0)) return c; } return [255, 255, 255]; };
          for (const el of document.querySelectorAll('body *')) {
            if (!el.checkVisibility() || el.closest('.skip')) continue;
            if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
            const style = getComputedStyle(el);
            const fg = rgb(el.closest('svg') ? style.fill : style.color);
            if (!fg) continue;
            const [a, b] = [luminance(fg), luminance(background(el))];
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            const size = parseFloat(style.fontSize);
            const large = size >= 24 || (size >= 18.66 && parseInt(style.fontWeight) >= 700);
            if (ratio < (large ? 3 : 4.5)) problems.push('contrast ' + ratio.toFixed(2) + ':1 for "' + el.textContent.trim().slice(0, 40) + '"');
          }
          if (document.documentElement.scrollWidth > window.innerWidth + 1)
            problems.push('the page scrolls sideways: ' + document.documentElement.scrollWidth + 'px wide in a ' + window.innerWidth + 'px window');
          return problems;
        }
        """;

    public static TheoryData<string, string> Pages() => new()
    {
        { "", "/portal" },
        { "", "/portal/check" },
        { "alice", "/portal" },
        { "alice", "/portal/records" },
        { "alice", "/portal/access-log" },
        { "alice", "/portal/consents" },
        { "alice", "/portal/delegations" },
        { "alice", "/portal/my-data" },
        { "grace", "/portal/records" },
        { "dr.bob", "/portal/patients" },
        { "dr.bob", "/portal/patients/{patient}" },
        { "dr.bob", "/portal/patients/{unconsented}" },
        { "priya", "/portal/audit" },
        { "priya", "/portal/break-glass" },
        { "priya", "/portal/accounting?patient={patient}" },
        { "priya", "/portal/ledger?tx=1&verify=1" },
        { "priya", "/portal/records" },
        { "boris", "/portal/credentials" },
        { "oscar", "/portal/ledger" },
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Each_page_is_labelled_readable_and_fits_a_phone(string user, string path)
    {
        var page = await portal.PageOfAsync(user);
        var url = path.Replace("{patient}", portal.PatientId, StringComparison.Ordinal).Replace("{unconsented}", portal.UnconsentedPatientId, StringComparison.Ordinal);
        foreach (var (width, height) in new[] { (1280, 900), (360, 740) })
        {
            await page.SetViewportSizeAsync(width, height);
            var response = await page.GotoAsync(url);
            Assert.Equal(200, response!.Status);
            var problems = await page.EvaluateAsync<string[]>(Audit);
            Assert.True(problems.Length == 0, $"{user} {url} at {width}px: {string.Join("; ", problems)}");
            if (user == "alice" && path == "/portal/records" && width < 400)
            {
                await PortalTestNode.ScreenshotAsync(page, "patient-records-phone");
            }
        }
    }

    [Fact]
    public async Task The_keyboard_reaches_the_content_through_a_visible_skip_link()
    {
        var page = await portal.PageOfAsync("alice");
        await page.SetViewportSizeAsync(1280, 900);
        await page.GotoAsync("/portal/records");

        await page.Keyboard.PressAsync("Tab");
        var focused = await page.EvaluateAsync<string[]>("() => { const e = document.activeElement; const s = getComputedStyle(e); const r = e.getBoundingClientRect(); return [e.className, s.outlineStyle, String(r.left >= 0 && r.top >= 0)]; }");
        Assert.Equal(["skip", "solid", "true"], focused);

        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("content", await page.EvaluateAsync<string>("() => document.activeElement.id"));

        // From the content, Tab goes on to the page's own controls, each with a visible focus outline.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("solid", await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle"));
    }
}
