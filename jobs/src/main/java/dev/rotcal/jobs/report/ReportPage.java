package dev.rotcal.jobs.report;

/** The page's inline style sheet and its one script; system fonts only, nothing loaded from elsewhere. */
final class ReportPage {
    /** Plain, printable, readable at 1280 px and on a phone. */
    static final String STYLE = """
            body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
                   margin: 0 auto; max-width: 1100px; padding: 0 16px 48px; color: #1d1d1f; background: #fff; }
            header { border-bottom: 2px solid #d0d7de; margin-bottom: 8px; }
            h1 { font-size: 1.5em; margin: 20px 0 8px; }
            h2 { font-size: 1.25em; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; }
            h3 { font-size: 1.05em; margin: 18px 0 6px; }
            nav { margin: 0 0 12px; }
            nav a { margin-right: 12px; color: #0969da; text-decoration: none; }
            table { border-collapse: collapse; margin: 8px 0; font-size: 0.9em; }
            th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }
            th { background: #f6f8fa; }
            td { font-variant-numeric: tabular-nums; }
            img.chart { display: block; max-width: 100%; height: auto; margin: 8px 0; }
            pre.config { background: #f6f8fa; padding: 12px; overflow-x: auto; font-size: 0.85em; }
            p.absent { color: #6e7781; font-style: italic; }
            details { margin: 6px 0 12px; }
            """;

    /** Records on body how many images decoded, out of how many, and which sections exist. */
    static final String ONLOAD = """
            window.addEventListener('load', function () {
              var images = Array.prototype.slice.call(document.images);
              var loaded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; });
              var sections = Array.prototype.map.call(document.querySelectorAll('section[id]'),
                  function (s) { return s.id; });
              document.body.setAttribute('data-images-total', String(images.length));
              document.body.setAttribute('data-images-loaded', String(loaded.length));
              document.body.setAttribute('data-sections', sections.join(' '));
              document.body.setAttribute('data-report-ready', 'true');
            });
            """;

    private ReportPage() {
    }
}
