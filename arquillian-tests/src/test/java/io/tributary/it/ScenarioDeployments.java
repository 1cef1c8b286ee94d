package io.tributary.it;

import io.tributary.it.beans.Deliveries;
import io.tributary.it.beans.FlakyStore;
import io.tributary.it.beans.OutageStore;
import io.tributary.it.beans.ParallelRecorder;
import io.tributary.it.beans.ReceiptStore;
import io.tributary.it.beans.RejectedRecordException;
import io.tributary.it.beans.RejectingStore;
import io.tributary.it.beans.SlowRetryStore;
import io.tributary.it.beans.TransactionalSender;
import org.jboss.arquillian.container.test.api.Testable;
import org.jboss.shrinkwrap.api.Archive;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * What a scenario suite deploys, built from the artifacts users deploy, plus the test beans. The
 * system property {@code tributary.it.packaging} (set per server run by the build) chooses:
 * <ul>
 *   <li>{@code war} (default): {@code tributary-examples.war} as built — its {@code web.xml}
 *       connection factory, WildFly's {@code jboss-ejb3.xml} binding and its MANIFEST
 *       {@code Dependencies} included — with the test beans added, for a server where
 *       {@code tributary.rar} is deployed on its own (Payara Micro, WildFly);</li>
 *   <li>{@code ear}: {@code tributary-examples.ear} as built, adapter included, with the test
 *       beans and the test class added to its web module, and the adapter's {@code clientProperties}
 *       set in its {@code ironjacamar.xml} to {@link #EAR_CLIENT_PROPERTIES}, a reference to the
 *       secret the build put in WildFly's credential store.</li>
 * </ul>
 * {@code tributary.it.archives} names the directory the build copied the artifacts into.
 */
final class ScenarioDeployments {
    private static final String TEST_MODULE = "tributary-it.war";
    private static final String WEB_MODULE = "tributary-examples-web.war";
    private static final String RAR_MODULE = "tributary.rar";
    private static final String IRONJACAMAR_XML = "META-INF/ironjacamar.xml";
    /**
     * The EAR's adapter configuration: a {@code client.id} built from system property
     * {@code tributary.secret.probe}, which the build sets to an encrypted expression of WildFly's
     * credential store ({@code wildfly/credential-store.cli}). The clients that take their
     * {@code client.id} from {@code clientProperties} (the factory's producers) show it in their
     * Kafka MBean names.
     */
    static final String EAR_CLIENT_PROPERTIES = "client.id=tributary-probe-${tributary.secret.probe}";

    private ScenarioDeployments() {
    }

    /** The deployment for {@code testClass}, which runs inside it. */
    static Archive<?> scenarios(Class<?> testClass) {
        File dir = new File(System.getProperty("tributary.it.archives", "target/payara"));
        return "ear".equals(System.getProperty("tributary.it.packaging", "war")) ? ear(dir, testClass) : war(dir);
    }

    /**
     * {@link FailurePathsIT}'s deployment (Payara Micro only): {@code tributary-examples.war} as built with
     * the failure-path beans instead of the scenario beans.
     */
    static WebArchive failurePaths() {
        File dir = new File(System.getProperty("tributary.it.archives", "target/payara"));
        return ShrinkWrap.create(WebArchive.class, "tributary-failure-paths.war")
                .merge(ShrinkWrap.createFromZipFile(WebArchive.class, new File(dir, "tributary-examples.war")))
                .addClasses(Deliveries.class, Deliveries.Seen.class, SlowRetryStore.class, OutageStore.class,
                        RejectingStore.class, RejectedRecordException.class);
    }

    private static WebArchive war(File dir) {
        WebArchive examples = ShrinkWrap.createFromZipFile(WebArchive.class, new File(dir, "tributary-examples.war"));
        return ShrinkWrap.create(WebArchive.class, TEST_MODULE).merge(examples).addClasses(testBeans());
    }

    private static EnterpriseArchive ear(File dir, Class<?> testClass) {
        EnterpriseArchive ear = ShrinkWrap.createFromZipFile(EnterpriseArchive.class, new File(dir, "tributary-examples.ear"));
        // The test beans and the test class join the examples' web module, so the test sees the same classes
        // (and the same URL) as the examples; its MDBs bind to the EAR's adapter like the EJB module's do.
        WebArchive web = ShrinkWrap.create(WebArchive.class, WEB_MODULE)
                .merge(ear.getAsType(WebArchive.class, WEB_MODULE))
                .addClasses(testBeans())
                // Arquillian adds the test class to a war it deploys, not to a module of an EAR.
                .addClass(testClass)
                .addAsWebInfResource(new StringAsset(resource("wildfly/ear-test-module-jboss-ejb3.xml")), "jboss-ejb3.xml");
        ear.delete(WEB_MODULE);
        ResourceAdapterArchive rar = ShrinkWrap.create(ResourceAdapterArchive.class, RAR_MODULE)
                .merge(ear.getAsType(ResourceAdapterArchive.class, RAR_MODULE));
        String ironjacamar = read(rar.get(IRONJACAMAR_XML).getAsset().openStream());
        int afterRoot = ironjacamar.indexOf('>', ironjacamar.indexOf("<ironjacamar")) + 1;
        rar.delete(IRONJACAMAR_XML);
        rar.addAsManifestResource(new StringAsset(ironjacamar.substring(0, afterRoot)
                + "\n  <config-property name=\"clientProperties\">" + EAR_CLIENT_PROPERTIES + "</config-property>"
                + ironjacamar.substring(afterRoot)), "ironjacamar.xml");
        ear.delete(RAR_MODULE);
        return ear.addAsModule(rar).addAsModule(Testable.archiveToTest(web));
    }

    private static Class<?>[] testBeans() {
        return new Class<?>[]{Deliveries.class, Deliveries.Seen.class, FlakyStore.class, ParallelRecorder.class,
                TransactionalSender.class, ReceiptStore.class};
    }

    private static String resource(String name) {
        InputStream in = ScenarioDeployments.class.getClassLoader().getResourceAsStream(name);
        if (in == null) throw new IllegalStateException("Missing test resource " + name);
        return read(in);
    }

    private static String read(InputStream stream) {
        try (InputStream in = stream) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
