package dev.rotcal.jobs.testing;

import static dev.rotcal.Checks.checkState;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder.EndpointConfiguration;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real S3-protocol server for tests: s3proxy (in-memory "transient" backend) in its own JVM on
 * 127.0.0.1, on a free port, with SigV2/V4 authentication and a fresh random secret key.
 *
 * <p>The jar is fetched by Maven (maven-dependency-plugin copy into jobs/target/s3proxy) and its path is passed
 * as the system property {@value #JAR_PROPERTY} by Surefire; it is not on the test classpath.
 * {@link #close()} destroys the process tree and deletes the temp directory.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String JAR_PROPERTY = "rotcal.test.s3proxy.jar";
    public static final String ACCESS_KEY = "rotcal-test-access";
    public static final String REGION = "us-east-1";

    private static final Logger LOG = LoggerFactory.getLogger(S3ProxyServer.class);
    private static final long START_LIMIT_MILLIS = 60_000;
    private static final int START_ATTEMPTS = 3;

    private Process process;
    private final Path dir;
    private final Path blobs;
    private final Path log;
    private final int port;
    private final String secretKey;
    private final long startMillis;

    private S3ProxyServer(Process process, Path dir, Path blobs, Path log, int port, String secretKey,
                          long startMillis) {
        this.process = process;
        this.dir = dir;
        this.blobs = blobs;
        this.log = log;
        this.port = port;
        this.secretKey = secretKey;
        this.startMillis = startMillis;
    }

    /** Starts s3proxy and waits until it answers HTTP (at most 60 s; retried on another port if it dies). */
    public static S3ProxyServer start() throws IOException, InterruptedException {
        return start(false);
    }

    /**
     * Starts s3proxy with its objects in files (jclouds' filesystem backend) instead of memory, so that the server
     * can be stopped and started again with its buckets intact ({@link #stop}, {@link #restart}): a store outage.
     */
    public static S3ProxyServer startOnDisk() throws IOException, InterruptedException {
        return start(true);
    }

    private static S3ProxyServer start(boolean onDisk) throws IOException, InterruptedException {
        String jarProperty = System.getProperty(JAR_PROPERTY);
        if (jarProperty == null || !Files.isRegularFile(Paths.get(jarProperty))) {
            throw new IllegalStateException("Cannot start s3proxy: system property " + JAR_PROPERTY + " is '" + jarProperty
                    + "', not the s3proxy jar (run the tests through Maven, which copies it to jobs/target/s3proxy)");
        }
        Path dir = Files.createTempDirectory("rotcal-s3proxy-");
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        String secretKey = "s3proxy-secret-" + HexFormat.of().formatHex(random);
        IOException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int port = freeLoopbackPort();
            Path log = dir.resolve("s3proxy-" + attempt + ".log");
            long start = System.nanoTime();
            Path blobs = onDisk ? Files.createDirectories(dir.resolve("blobs")) : null;
            Process process = launch(Paths.get(jarProperty), dir, blobs, log, port, secretKey);
            try {
                waitUntilAnswering(process, port, log);
                long millis = (System.nanoTime() - start) / 1_000_000;
                LOG.info("s3proxy answers on http://127.0.0.1:{} after {} ms (pid {})", port, millis, process.pid());
                return new S3ProxyServer(process, dir, blobs, log, port, secretKey, millis);
            } catch (IOException e) {
                destroy(process);
                last = e;
                LOG.warn("s3proxy attempt {} failed: {}", attempt, e.getMessage());
            }
        }
        deleteRecursively(dir);
        throw last;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public String accessKey() {
        return ACCESS_KEY;
    }

    public String secretKey() {
        return secretKey;
    }

    /** How long the server took to answer its first request. */
    public long startMillis() {
        return startMillis;
    }

    /** The S3A settings (STACK.md) for this server, with its keys. */
    public Map<String, String> s3aSettings() {
        return s3aSettings(ACCESS_KEY, secretKey);
    }

    /** The S3A settings for this server with other keys (to test what wrong credentials do). */
    public Map<String, String> s3aSettings(String accessKey, String secret) {
        Map<String, String> s3a = new LinkedHashMap<>();
        s3a.put("fs.s3a.endpoint", endpoint());
        s3a.put("fs.s3a.endpoint.region", REGION);
        s3a.put("fs.s3a.path.style.access", "true");
        s3a.put("fs.s3a.connection.ssl.enabled", "false");
        s3a.put("fs.s3a.access.key", accessKey);
        s3a.put("fs.s3a.secret.key", secret);
        s3a.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        s3a.put("fs.s3a.change.detection.mode", "none");
        s3a.put("fs.s3a.attempts.maximum", "2");
        s3a.put("fs.s3a.retry.limit", "2");
        s3a.put("fs.s3a.buffer.dir", dir.resolve("s3a-buffer").toString());
        return s3a;
    }

    /** Creates a bucket with a signed PUT (AWS SDK v1, as S3A uses). */
    public void createBucket(String bucket) {
        AmazonS3 s3 = AmazonS3ClientBuilder.standard()
                .withEndpointConfiguration(new EndpointConfiguration(endpoint(), REGION))
                .withPathStyleAccessEnabled(true)
                .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials(ACCESS_KEY, secretKey)))
                .build();
        try {
            s3.createBucket(bucket);
        } finally {
            s3.shutdown();
        }
    }

    /** The server's own log, for failure messages. */
    public String logTail() {
        return tail(log);
    }

    /** Stops the server (SIGTERM, then SIGKILL): its port refuses connections until {@link #restart}. */
    public void stop() {
        destroy(process);
        LOG.info("s3proxy on 127.0.0.1:{} stopped", port);
    }

    /** Starts the server again on the same port with the same keys (and, on disk, the same objects). */
    public void restart() throws IOException, InterruptedException {
        checkState(!process.isAlive(), "Cannot restart s3proxy on 127.0.0.1:%s: it is running", port);
        Path next = dir.resolve("s3proxy-restart-" + System.nanoTime() + ".log");
        process = launch(Paths.get(System.getProperty(JAR_PROPERTY)), dir, blobs, next, port, secretKey);
        waitUntilAnswering(process, port, next);
        LOG.info("s3proxy on 127.0.0.1:{} restarted (pid {})", port, process.pid());
    }

    /** Whether the server process is up (not {@link #stop stopped}). */
    public boolean isRunning() {
        return process.isAlive();
    }

    /** Whether objects live in files under a folder (those of {@link #startOnDisk}). */
    public java.util.Optional<Path> blobFolder() {
        return java.util.Optional.ofNullable(blobs);
    }

    @Override
    public void close() {
        destroy(process);
        deleteRecursively(dir);
    }

    private static Process launch(Path jar, Path dir, Path blobs, Path log, int port, String secretKey)
            throws IOException {
        Properties properties = new Properties();
        properties.setProperty("s3proxy.endpoint", "http://127.0.0.1:" + port);
        properties.setProperty("s3proxy.authorization", "aws-v2-or-v4");
        properties.setProperty("s3proxy.identity", ACCESS_KEY);
        properties.setProperty("s3proxy.credential", secretKey);
        if (blobs == null) {
            properties.setProperty("jclouds.provider", "transient");
        } else {
            properties.setProperty("jclouds.provider", "filesystem");
            properties.setProperty("jclouds.filesystem.basedir", blobs.toString());
        }
        properties.setProperty("jclouds.identity", "backend-identity");
        properties.setProperty("jclouds.credential", "backend-credential");
        Path file = dir.resolve("s3proxy-" + port + ".properties");
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            properties.store(out, "rotcal test s3proxy");
        }
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-Djava.io.tmpdir=" + dir,
                "-jar", jar.toString(), "--properties", file.toString()))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static void waitUntilAnswering(Process process, int port, Path log) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + START_LIMIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("Cannot start s3proxy on 127.0.0.1:" + port + ": it exited with code "
                        + process.exitValue() + " (log: " + tail(log) + ")");
            }
            try {
                HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/").openConnection();
                connection.setConnectTimeout(500);
                connection.setReadTimeout(2_000);
                int code = connection.getResponseCode(); // any answer (403 for an anonymous request) means up
                connection.disconnect();
                if (code > 0) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IOException("Cannot start s3proxy on 127.0.0.1:" + port + ": no answer within "
                + START_LIMIT_MILLIS / 1000 + " s (log: " + tail(log) + ")");
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void destroy(Process process) {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete {}: {}", dir, e.getMessage());
        }
    }
}
