package dev.scaivault;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Trust built from a PEM CA bundle, replacing the JDK's default trust store for ScaiVault calls. */
final class Tls {
    /** A system bundle of every public CA is about 200 KiB; a PEM file far larger is not a CA bundle. */
    static final long MAX_BUNDLE = 16L << 20;

    final SSLContext context;
    final X509TrustManager trustManager;

    private Tls(SSLContext context, X509TrustManager trustManager) {
        this.context = context;
        this.trustManager = trustManager;
    }

    static Tls fromPemBundle(Path bundle, String setting) {
        Collection<? extends Certificate> certs;
        try {
            byte[] pem = BoundedFiles.read(bundle, MAX_BUNDLE, true);
            certs = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(setting + ": CA bundle " + bundle + " does not exist");
        } catch (BoundedFiles.NotRegularFileException e) {
            throw new IllegalArgumentException(
                    setting + ": CA bundle " + bundle + " is " + e.kind() + ", not a PEM file");
        } catch (BoundedFiles.TooLargeException e) {
            throw new IllegalArgumentException(setting + ": CA bundle " + bundle + " holds " + e.size()
                    + " bytes or more, over the limit of " + MAX_BUNDLE + " for a PEM bundle");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IllegalArgumentException(
                    setting + ": CA bundle " + bundle + " is not readable (permission denied)");
        } catch (IOException e) {
            throw new IllegalArgumentException(setting + ": CA bundle " + bundle + " cannot be read ("
                    + e.getClass().getSimpleName() + ")");
        } catch (GeneralSecurityException e) {
            // The parser's message can quote what it choked on, and a wrong file may hold a private key.
            throw new IllegalArgumentException(
                    setting + ": CA bundle " + bundle + " is not a PEM file of X.509 certificates");
        }
        if (certs.isEmpty()) {
            throw new IllegalArgumentException(setting + ": CA bundle " + bundle + " holds no certificate");
        }
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : certs) {
                ks.setCertificateEntry("ca-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            X509TrustManager tm = null;
            for (TrustManager t : tmf.getTrustManagers()) {
                if (t instanceof X509TrustManager x) {
                    tm = x;
                }
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {tm}, null);
            return new Tls(ctx, tm);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build TLS trust from " + bundle, e);
        }
    }
}
