package io.tributary.broker.cluster;

import org.apache.kafka.common.config.ConfigException;
import org.jgroups.util.DefaultSocketFactory;
import org.jgroups.util.SocketFactory;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The TLS of the cluster link, built from {@link ClusterLinkSecurity}: one JDK {@link SSLContext}
 * with this node's key store and the cluster's trust store, used for every JGroups connection (as
 * the socket factory of JGroups' {@code TCP} transport) and for the Kafka requests one broker sends
 * another ({@link #clientSockets()}).
 *
 * <p>Why TLS on the transport rather than JGroups' {@code SSL_KEY_EXCHANGE} + {@code ASYM_ENCRYPT}
 * / {@code SYM_ENCRYPT} + {@code AUTH}: one mechanism covers both guarantees with one key store and
 * one trust store. Every TCP connection between two nodes is a TLS session with client
 * authentication required, so a process whose certificate does not chain to the trust store never
 * gets a connection, hence never a discovery answer, a join, a Raft message or a replica fetch; and
 * everything on the connection is encrypted and integrity-protected by the JDK's TLS. The encrypt
 * protocols would need a key server, a shared group key rotated on view changes and a separate
 * authentication token, and would still leave the transport's own framing and discovery in the clear.
 *
 * <p>Guarantees: the context is built, and the stores opened, when this object is made, so a missing
 * store or a wrong password fails the node's start with a {@link ConfigException} naming the setting
 * the value came from; there is no plaintext fallback. A peer certificate the trust store rejects is
 * logged (subject, peer address, reason) once per peer and subject, and any other failed handshake on
 * the listening socket ({@link HandshakingServerSocket}) once per peer host and cause, because JGroups
 * retries a refused connection every few hundred milliseconds. Host names are not checked:
 * nodes are identified by their certificate chaining to the cluster's trust store, so that trust store
 * should hold only the authority that signs node certificates. Thread-safe and immutable after
 * construction (the log-once set is concurrent).
 */
public final class ClusterLinkTls {
    private static final System.Logger LOG = System.getLogger(ClusterLinkTls.class.getName());
    /** Set on the handshaking thread when the trust manager refused (and logged) the peer's certificate. */
    private static final ThreadLocal<Boolean> REFUSED_BY_TRUST = ThreadLocal.withInitial(() -> Boolean.FALSE);
    /** Peers whose rejection was already logged; bounded, cleared when full. */
    private static final int MAX_REMEMBERED_REJECTIONS = 1024;

    private final ClusterLinkSecurity settings;
    private final int nodeId;
    private final SSLContext context;
    private final Map<String, Boolean> loggedRejections = new ConcurrentHashMap<>();

    /**
     * @param nodeId this node's id, for the log
     * @throws ConfigException naming the setting at fault, when a store cannot be read or a key recovered
     */
    public ClusterLinkTls(ClusterLinkSecurity settings, int nodeId) {
        if (!settings.enabled()) throw new IllegalArgumentException("the cluster link is not secured");
        this.settings = settings;
        this.nodeId = nodeId;
        ClusterLinkSecurity.Store ks = settings.keystore();
        ClusterLinkSecurity.Store ts = settings.truststore();
        try {
            ClusterLinkSecurity.Setting keyPassword = settings.keyPassword() != null ? settings.keyPassword() : ks.password();
            KeyStore keyStore = load(ks, true, keyPassword);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            try {
                char[] password = keyPassword != null ? keyPassword.value().toCharArray() : isPem(ks) ? new char[0] : null;
                keys.init(keyStore, password);
            } catch (UnrecoverableKeyException e) {
                String name = keyPassword == null ? ClusterLinkSecurity.PREFIX + "ssl.key.password" : keyPassword.name();
                throw new ConfigException(name, "[hidden]", "the key in " + ks.location().value()
                        + " cannot be recovered with it: " + e.getMessage());
            }
            if (!hasKey(keyStore)) {
                throw new ConfigException(ks.location().name(), ks.location().value(),
                        "holds no private key: the cluster link needs this node's key and certificate");
            }
            KeyStore trustStore = load(ts, false, null);
            if (trustStore.size() == 0) {
                throw new ConfigException(ts.location().name(), ts.location().value(),
                        "holds no certificate: no peer could ever be trusted");
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trustStore);
            X509ExtendedTrustManager delegate = null;
            for (TrustManager tm : trust.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) delegate = x;
            }
            if (delegate == null) throw new GeneralSecurityException("no X.509 trust manager");
            this.context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), new TrustManager[] {new LoggingTrustManager(delegate)}, null);
            // Unknown names fail now, naming the setting, rather than on the first connection.
            SSLEngine probe = context.createSSLEngine();
            try {
                if (!settings.enabledProtocols().isEmpty()) probe.setEnabledProtocols(settings.enabledProtocols().toArray(String[]::new));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(ClusterLinkSecurity.PREFIX + "ssl.enabled.protocols",
                        String.join(",", settings.enabledProtocols()), e.getMessage());
            }
            try {
                if (!settings.cipherSuites().isEmpty()) probe.setEnabledCipherSuites(settings.cipherSuites().toArray(String[]::new));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(ClusterLinkSecurity.PREFIX + "ssl.cipher.suites",
                        String.join(",", settings.cipherSuites()), e.getMessage());
            }
        } catch (GeneralSecurityException e) {
            throw new ConfigException(ClusterLinkSecurity.PROTOCOL, "SSL",
                    "the cluster link's TLS context cannot be built: " + e.getMessage());
        }
    }

    private static boolean hasKey(KeyStore store) throws GeneralSecurityException {
        for (String alias : java.util.Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) return true;
        }
        return false;
    }

    private static boolean isPem(ClusterLinkSecurity.Store s) {
        return io.tributary.broker.network.TlsSettings.isPem(s.type().value());
    }

    /** The store {@code s}; a PEM key store's key is decrypted with {@code keyPassword} when it is encrypted. */
    private static KeyStore load(ClusterLinkSecurity.Store s, boolean keyStore, ClusterLinkSecurity.Setting keyPassword) {
        String location = s.location().value();
        if (isPem(s)) {
            String pem = io.tributary.broker.network.TlsContexts.readPem(s.location().name(), location);
            try {
                return keyStore
                        ? io.tributary.broker.network.PemStores.keyStore(pem, pem, keyPassword == null ? null : keyPassword.value())
                        : io.tributary.broker.network.PemStores.trustStore(pem);
            } catch (io.tributary.broker.network.PemStores.InvalidPemException e) {
                throw new ConfigException(s.location().name(), location, "not a usable PEM store: " + e.getMessage());
            }
        }
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            KeyStore store = KeyStore.getInstance(s.type().value());
            store.load(in, s.password() == null ? null : s.password().value().toCharArray());
            return store;
        } catch (NoSuchFileException e) {
            throw new ConfigException(s.location().name(), location, "no such file");
        } catch (IOException e) {
            boolean password = e.getCause() instanceof UnrecoverableKeyException
                    || e.getMessage() != null && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("password");
            if (password) {
                String name = s.password() == null ? s.location().name().replace(".location", ".password") : s.password().name();
                throw new ConfigException(name, "[hidden]", "wrong password for " + location);
            }
            throw new ConfigException(s.location().name(), location, "cannot be read as a " + s.type().value()
                    + " store: " + e);
        } catch (GeneralSecurityException e) {
            throw new ConfigException(s.type().name(), s.type().value(), "cannot open " + location + ": " + e.getMessage());
        }
    }

    /** The TLS versions and cipher suites of the settings, with client authentication required. */
    private SSLParameters parameters() {
        SSLParameters p = context.getDefaultSSLParameters();
        if (!settings.enabledProtocols().isEmpty()) p.setProtocols(settings.enabledProtocols().toArray(String[]::new));
        if (!settings.cipherSuites().isEmpty()) p.setCipherSuites(settings.cipherSuites().toArray(String[]::new));
        p.setNeedClientAuth(true);
        return p;
    }

    /**
     * The socket factory for JGroups' {@code TCP} transport: its server socket demands a client
     * certificate and hands JGroups only connections whose handshake completed within
     * {@code handshakeTimeoutMs} ({@link HandshakingServerSocket}; the others are logged here with
     * their cause); its client sockets present this node's certificate.
     */
    public SocketFactory jgroupsSockets(int handshakeTimeoutMs) {
        SSLParameters p = parameters();
        DefaultSocketFactory f = new DefaultSocketFactory(context) {
            private ServerSocket handshaking(ServerSocket s) throws IOException {
                return new HandshakingServerSocket((SSLServerSocket) s, handshakeTimeoutMs, ClusterLinkTls.this::refused);
            }

            @Override
            public ServerSocket createServerSocket(String name) throws IOException {
                return handshaking(super.createServerSocket(name));
            }

            @Override
            public ServerSocket createServerSocket(String name, int port) throws IOException {
                return handshaking(super.createServerSocket(name, port));
            }

            @Override
            public ServerSocket createServerSocket(String name, int port, int backlog) throws IOException {
                return handshaking(super.createServerSocket(name, port, backlog));
            }

            @Override
            public ServerSocket createServerSocket(String name, int port, int backlog, java.net.InetAddress bindAddr)
                    throws IOException {
                return handshaking(super.createServerSocket(name, port, backlog, bindAddr));
            }
        };
        f.setServerSocketConfigurator(s -> ((SSLServerSocket) s).setSSLParameters(p));
        f.setSocketConfigurator(s -> {
            if (s instanceof SSLSocket ssl) ssl.setSSLParameters(p);
        });
        return f;
    }

    /**
     * A connection to the link's port that did not complete the handshake: logged once per peer
     * host and cause, unless the trust manager already said why (a refused certificate).
     */
    private void refused(Socket s, IOException cause) {
        if (REFUSED_BY_TRUST.get()) {
            REFUSED_BY_TRUST.set(false);
            return;
        }
        String peer = s.getInetAddress() == null ? "(unknown peer)" : s.getInetAddress().toString();
        String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        if (loggedRejections.size() >= MAX_REMEMBERED_REJECTIONS) loggedRejections.clear();
        if (loggedRejections.putIfAbsent("accept " + peer + " " + why, Boolean.TRUE) == null) {
            LOG.log(System.Logger.Level.WARNING, "Node " + nodeId + " (cluster link): refused a connection from "
                    + s.getRemoteSocketAddress() + ": the TLS handshake did not complete (" + why + "). Only a node "
                    + "with the cluster's TLS settings and a certificate trusted by "
                    + settings.truststore().location().name() + " can connect.");
        }
    }

    /** Sockets for Kafka requests to another broker's TLS listener, presenting this node's certificate. */
    public SSLSocketFactory clientSockets() {
        return new ConfiguredSocketFactory(context.getSocketFactory(), parameters());
    }

    /** Logs a rejected peer certificate once per peer address and subject, then passes the verdict on. */
    private final class LoggingTrustManager extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;

        LoggingTrustManager(X509ExtendedTrustManager delegate) {
            this.delegate = delegate;
        }

        private void rejected(String role, X509Certificate[] chain, String peer, CertificateException e) {
            REFUSED_BY_TRUST.set(true);
            String subject = chain == null || chain.length == 0 ? "(no certificate)"
                    : chain[0].getSubjectX500Principal().getName();
            // A connecting node comes from a new port each time: remember its host only.
            String host = peer.lastIndexOf(':') > 0 ? peer.substring(0, peer.lastIndexOf(':')) : peer;
            String key = role + " " + ("node".equals(role) ? peer : host) + " " + subject;
            if (loggedRejections.size() >= MAX_REMEMBERED_REJECTIONS) loggedRejections.clear();
            if (loggedRejections.putIfAbsent(key, Boolean.TRUE) == null) {
                LOG.log(System.Logger.Level.WARNING, "Node " + nodeId + " (cluster link): refused the certificate of " + role + " " + peer
                        + " (" + subject + "): it is not trusted by " + settings.truststore().location().name() + "="
                        + settings.truststore().location().value() + ": " + e.getMessage()
                        + ". That peer cannot join or talk to this node.");
            }
        }

        private String peer(Socket s) {
            return s == null || s.getRemoteSocketAddress() == null ? "(unknown peer)" : s.getRemoteSocketAddress().toString();
        }

        private String peer(SSLEngine e) {
            return e == null || e.getPeerHost() == null ? "(unknown peer)" : e.getPeerHost() + ":" + e.getPeerPort();
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            try {
                delegate.checkClientTrusted(chain, authType, socket);
            } catch (CertificateException e) {
                rejected("connecting node", chain, peer(socket), e);
                throw e;
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            try {
                delegate.checkServerTrusted(chain, authType, socket);
            } catch (CertificateException e) {
                rejected("node", chain, peer(socket), e);
                throw e;
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            try {
                delegate.checkClientTrusted(chain, authType, engine);
            } catch (CertificateException e) {
                rejected("connecting node", chain, peer(engine), e);
                throw e;
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            try {
                delegate.checkServerTrusted(chain, authType, engine);
            } catch (CertificateException e) {
                rejected("node", chain, peer(engine), e);
                throw e;
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            checkClientTrusted(chain, authType, (Socket) null);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            checkServerTrusted(chain, authType, (Socket) null);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }

    /** Applies the link's TLS versions and cipher suites to every socket it makes. */
    private static final class ConfiguredSocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        private final SSLParameters parameters;

        ConfiguredSocketFactory(SSLSocketFactory delegate, SSLParameters parameters) {
            this.delegate = delegate;
            SSLParameters client = new SSLParameters(parameters.getCipherSuites(), parameters.getProtocols());
            this.parameters = client;
        }

        private Socket configure(Socket s) {
            ((SSLSocket) s).setSSLParameters(parameters);
            return s;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return configure(delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return configure(delegate.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return configure(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, java.net.InetAddress localHost, int localPort) throws IOException {
            return configure(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(java.net.InetAddress host, int port) throws IOException {
            return configure(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(java.net.InetAddress address, int port, java.net.InetAddress localAddress,
                                   int localPort) throws IOException {
            return configure(delegate.createSocket(address, port, localAddress, localPort));
        }
    }
}
