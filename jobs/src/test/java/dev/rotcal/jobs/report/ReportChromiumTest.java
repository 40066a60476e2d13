package dev.rotcal.jobs.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The report in a real browser: headless Chromium opens report.html from a file:// URL (no server), takes a
 * screenshot and dumps the DOM after the page's onload script ran. The script records on {@code <body>} how many
 * images decoded and which sections exist; the test checks every image and every section, and that the
 * screenshot shows a page rather than a blank. Chromium missing is a failure, not a skip: CI installs it.
 * The files stay in {@code jobs/target/report-chromium/} for a look.
 */
class ReportChromiumTest {
    private static final Logger LOG = LoggerFactory.getLogger(ReportChromiumTest.class);
    private static final Path WORK = Path.of("target", "report-chromium");

    @Test
    void chromiumLoadsEveryImageAndSectionOfTheFullReport() throws Exception {
        Files.createDirectories(WORK);
        HeadlessChromium chromium = HeadlessChromium.find(WORK).orElseGet(() -> fail(
                "Cannot run the browser test: no '" + HeadlessChromium.BINARY
                        + "' on PATH (install it: apt-get install chromium)"));
        byte[] html = RunReport.html(ReportFixtures.full());
        Path page = Files.write(WORK.resolve("report.html"), html);
        int images = count(new String(html, StandardCharsets.UTF_8), "<img ");

        long start = System.nanoTime();
        String dom = chromium.dumpDom(page);
        Path png = WORK.resolve("report.png");
        Files.deleteIfExists(png);
        chromium.screenshot(page, png);
        LOG.info("chromium: dump-dom and screenshot in {} ms", (System.nanoTime() - start) / 1_000_000);

        assertThat(attribute(dom, "data-report-ready")).as("the onload script should have run").isEqualTo("true");
        int loaded = Integer.parseInt(attribute(dom, "data-images-loaded"));
        int total = Integer.parseInt(attribute(dom, "data-images-total"));
        LOG.info("chromium: images loaded {}/{}, sections [{}]", loaded, total, attribute(dom, "data-sections"));
        assertThat(total).as("images the browser saw vs <img> tags in the report").isEqualTo(images).isPositive();
        assertThat(loaded).as("images that decoded (complete, naturalWidth > 0)").isEqualTo(total);
        assertThat(attribute(dom, "data-sections").split(" ")).as("sections the browser found")
                .containsExactlyElementsOf(RunReport.SECTION_IDS);

        BufferedImage shot = ImageIO.read(png.toFile());
        assertThat(shot).as("the screenshot should be a readable PNG").isNotNull();
        assertThat(shot.getWidth()).isEqualTo(HeadlessChromium.WIDTH);
        assertThat(shot.getHeight()).isEqualTo(HeadlessChromium.HEIGHT);
        int colours = distinctColours(shot);
        LOG.info("chromium: screenshot {} ({} bytes, {} distinct colours)", png.toAbsolutePath(), Files.size(png),
                colours);
        assertThat(colours).as("a rendered page with text and charts, not a blank").isGreaterThan(64);
    }

    private static String attribute(String dom, String name) {
        Matcher m = Pattern.compile("<body[^>]*\\s" + name + "=\"([^\"]*)\"").matcher(dom);
        if (!m.find()) {
            throw new AssertionError("the dumped DOM's <body> has no " + name + " attribute: "
                    + dom.substring(0, Math.min(dom.length(), 400)));
        }
        return m.group(1);
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    /** Distinct RGB values on a sparse grid (every 4th pixel), enough to tell a page from a blank. */
    private static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 4) {
            for (int x = 0; x < image.getWidth(); x += 4) {
                colours.add(image.getRGB(x, y) & 0xFFFFFF);
            }
        }
        return colours.size();
    }
}
