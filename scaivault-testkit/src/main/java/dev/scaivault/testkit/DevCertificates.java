package dev.scaivault.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A throw-away certificate authority and one server certificate it signed, made with the running JDK's
 * {@code keytool} (no BouncyCastle): what {@link ScaiVaultDevServer.Builder#https()} serves, and what a
 * client trusts through {@link #caBundlePath()}. Certificates are valid from a day ago for three days, so a
 * skewed test clock does not trip over them.
 *
 * <pre>{@code
 * DevCertificates wrongHost = DevCertificates.generate("dns:wrong.example");
 * ScaiVaultDevServer server = ScaiVaultDevServer.builder().tls(wrongHost).start();
 * }</pre>
 */
public final class DevCertificates {
    private static DevCertificates localhost;

    private final Path caBundle;
    private final String caPem;
    private final SSLContext serverContext;

    private DevCertificates(Path caBundle, String caPem, SSLContext serverContext) {
        this.caBundle = caBundle;
        this.caPem = caPem;
        this.serverContext = serverContext;
    }

    /** A CA with a certificate for {@code 127.0.0.1} and {@code localhost}, made once per JVM (keytool is slow). */
    public static synchronized DevCertificates localhost() {
        if (localhost == null) {
            localhost = generate("ip:127.0.0.1", "dns:localhost");
        }
        return localhost;
    }

    /**
     * A new CA and a server certificate for these subject alternative names, in keytool's syntax ({@code
     * ip:127.0.0.1}, {@code dns:localhost}).
     */
    public static DevCertificates generate(String... subjectAltNames) {
        if (subjectAltNames.length == 0) {
            throw new IllegalArgumentException("a server certificate needs at least one subject alternative name");
        }
        try {
            Path dir = Files.createTempDirectory("scaivault-devca-");
            dir.toFile().deleteOnExit();
            byte[] pw = new byte[12];
            new SecureRandom().nextBytes(pw);
            String password = HexFormat.of().formatHex(pw);
            Path ca = dir.resolve("ca.p12");
            Path server = dir.resolve("server.p12");
            Path csr = dir.resolve("server.csr");
            Path signed = dir.resolve("server.pem");
            keytool(
                    dir,
                    "-genkeypair",
                    "-alias",
                    "ca",
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=ScaiVault dev CA " + dir.getFileName(),
                    "-ext",
                    "bc:c=ca:true",
                    "-ext",
                    "KU=keyCertSign,cRLSign",
                    "-startdate",
                    "-1d",
                    "-validity",
                    "3",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    ca.toString(),
                    "-storepass",
                    password,
                    "-keypass",
                    password);
            keytool(
                    dir,
                    "-genkeypair",
                    "-alias",
                    "server",
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=ScaiVault dev server",
                    "-validity",
                    "3",
                    "-storetype",
                    "PKCS12",
                    "-keystore",
                    server.toString(),
                    "-storepass",
                    password,
                    "-keypass",
                    password);
            keytool(
                    dir,
                    "-certreq",
                    "-alias",
                    "server",
                    "-keystore",
                    server.toString(),
                    "-storepass",
                    password,
                    "-file",
                    csr.toString());
            keytool(
                    dir,
                    "-gencert",
                    "-rfc",
                    "-alias",
                    "ca",
                    "-keystore",
                    ca.toString(),
                    "-storepass",
                    password,
                    "-infile",
                    csr.toString(),
                    "-outfile",
                    signed.toString(),
                    "-startdate",
                    "-1d",
                    "-validity",
                    "3",
                    "-ext",
                    "SAN=" + String.join(",", subjectAltNames),
                    "-ext",
                    "KU=digitalSignature",
                    "-ext",
                    "EKU=serverAuth");

            char[] pass = password.toCharArray();
            KeyStore caStore = load(ca, pass);
            Certificate caCert = caStore.getCertificate("ca");
            String caPem = pem(caCert);
            Path bundle = dir.resolve("ca.pem");
            Files.writeString(bundle, caPem, StandardCharsets.US_ASCII);

            KeyStore serverStore = load(server, pass);
            Key key = serverStore.getKey("server", pass);
            Certificate leaf;
            try (InputStream in = Files.newInputStream(signed)) {
                leaf = CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("server", key, pass, new Certificate[] {leaf, caCert});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, pass);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);

            // Only the CA's public certificate is left on disk.
            for (Path p : List.of(ca, server, csr, signed)) {
                Files.deleteIfExists(p);
            }
            bundle.toFile().deleteOnExit();
            return new DevCertificates(bundle, caPem, ctx);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot generate dev certificates", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate dev certificates", e);
        }
    }

    /** The CA certificate, PEM-encoded. */
    public String caPem() {
        return caPem;
    }

    /** A PEM file holding only the CA certificate (for the client's {@code caBundle(Path)}). */
    public Path caBundlePath() {
        return caBundle;
    }

    SSLContext serverContext() {
        return serverContext;
    }

    private static KeyStore load(Path p, char[] pass) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p)) {
            ks.load(in, pass);
        }
        return ks;
    }

    private static String pem(Certificate c) throws GeneralSecurityException {
        String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(c.getEncoded());
        return "-----BEGIN CERTIFICATE-----\n" + b64 + "\n-----END CERTIFICATE-----\n";
    }

    private static void keytool(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        // Each call is a JVM start: make it a cheap one.
        cmd.addAll(List.of("-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-J-Xss512k"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(emptyFile(dir)))
                .start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("keytool " + args[0] + " did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for keytool " + args[0], e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("keytool " + args[0] + " failed (exit " + p.exitValue() + "): "
                    + new String(out, StandardCharsets.UTF_8).strip());
        }
    }

    private static java.io.File emptyFile(Path dir) throws IOException {
        Path empty = dir.resolve("empty");
        if (!Files.exists(empty)) {
            Files.write(empty, new byte[0]);
            empty.toFile().deleteOnExit();
        }
        return empty.toFile();
    }

    @Override
    public String toString() {
        return "DevCertificates{caBundle=" + caBundle + '}';
    }
}
