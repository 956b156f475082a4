// Package identity builds the bot's outbound credential (azidentity) from
// configuration, and caches bearer tokens for the Bot Connector.
//
// msbotbuilder-go's token client is never used: it only knows the legacy
// multi-tenant endpoint, races on its cache and panics when Entra is
// unreachable (see /work/shared/notes/msbotbuilder-go.md).
package identity

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Environment variables the configuration comes from. Error messages name
// them so an operator knows what to change.
const (
	EnvTenantID                = "MICROSOFT_APP_TENANT_ID"
	EnvClientID                = "MICROSOFT_APP_ID"
	EnvClientSecret            = "MICROSOFT_APP_PASSWORD"
	EnvCertificatePath         = "MICROSOFT_APP_CERT_PATH"
	EnvCertificatePassword     = "MICROSOFT_APP_CERT_PASSWORD"
	EnvManagedIdentity         = "MICROSOFT_APP_MANAGED_IDENTITY" // "true" to use a managed identity
	EnvManagedIdentityClientID = "MICROSOFT_APP_MANAGED_IDENTITY_CLIENT_ID"
	EnvFederatedTokenFile      = "AZURE_FEDERATED_TOKEN_FILE" // set by the AKS workload identity webhook
)

// Scopes for the two services Digibot calls with this credential.
const (
	BotConnectorScope = "https://api.botframework.com/.default"
	GraphScope        = "https://graph.microsoft.com/.default"
)

// Credential kinds, as returned by NewCredential for logs.
const (
	KindClientSecret      = "client-secret"
	KindClientCertificate = "client-certificate"
	KindManagedIdentity   = "managed-identity"
	KindWorkloadIdentity  = "workload-identity"
)

const maxCertBytes = 1 << 20

type Config struct {
	TenantID                string // MICROSOFT_APP_TENANT_ID
	ClientID                string // MICROSOFT_APP_ID
	ClientSecret            string // MICROSOFT_APP_PASSWORD
	CertificatePath         string // MICROSOFT_APP_CERT_PATH (PEM or PKCS#12 with key)
	CertificatePassword     string // MICROSOFT_APP_CERT_PASSWORD
	ManagedIdentity         bool   // MICROSOFT_APP_MANAGED_IDENTITY: system-assigned unless a client id is given
	ManagedIdentityClientID string // MICROSOFT_APP_MANAGED_IDENTITY_CLIENT_ID: user-assigned identity
	FederatedTokenFile      string // AZURE_FEDERATED_TOKEN_FILE: workload identity (AKS)

	AuthorityHost            string // Entra authority, https only; default Azure public cloud (tests: a fake)
	HTTPClient               *http.Client
	DisableInstanceDiscovery bool
}

// ConfigFromEnv reads the variables above (getenv is os.Getenv outside tests).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		TenantID:                strings.TrimSpace(getenv(EnvTenantID)),
		ClientID:                strings.TrimSpace(getenv(EnvClientID)),
		ClientSecret:            getenv(EnvClientSecret),
		CertificatePath:         strings.TrimSpace(getenv(EnvCertificatePath)),
		CertificatePassword:     getenv(EnvCertificatePassword),
		ManagedIdentityClientID: strings.TrimSpace(getenv(EnvManagedIdentityClientID)),
		FederatedTokenFile:      strings.TrimSpace(getenv(EnvFederatedTokenFile)),
	}
	if s := strings.TrimSpace(getenv(EnvManagedIdentity)); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return Config{}, fmt.Errorf("identity: %s=%q: want true or false", EnvManagedIdentity, s)
		}
		cfg.ManagedIdentity = b
	}
	return cfg, nil
}

// NewCredential builds the one credential the configuration asks for and
// returns its kind for logs. Exactly one of client secret, certificate,
// managed identity and workload identity must be configured.
func NewCredential(cfg Config) (azcore.TokenCredential, string, error) {
	kind, err := cfg.kind()
	if err != nil {
		return nil, "", err
	}
	opts := azcore.ClientOptions{Cloud: cloud.AzurePublic}
	if cfg.AuthorityHost != "" {
		u, err := url.Parse(cfg.AuthorityHost)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, "", fmt.Errorf("identity: authority host %q: must be an https URL", cfg.AuthorityHost)
		}
		opts.Cloud.ActiveDirectoryAuthorityHost = cfg.AuthorityHost
	}
	if cfg.HTTPClient != nil {
		opts.Transport = cfg.HTTPClient
	}

	var cred azcore.TokenCredential
	switch kind {
	case KindClientSecret:
		cred, err = azidentity.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: cfg.DisableInstanceDiscovery})
	case KindClientCertificate:
		certs, key, e := loadCertificate(cfg.CertificatePath, cfg.CertificatePassword)
		if e != nil {
			return nil, "", e
		}
		cred, err = azidentity.NewClientCertificateCredential(cfg.TenantID, cfg.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: opts, DisableInstanceDiscovery: cfg.DisableInstanceDiscovery})
	case KindManagedIdentity:
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts}
		if cfg.ManagedIdentityClientID != "" {
			o.ID = azidentity.ClientID(cfg.ManagedIdentityClientID)
		}
		cred, err = azidentity.NewManagedIdentityCredential(o)
	case KindWorkloadIdentity:
		cred, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions:            opts,
			ClientID:                 cfg.ClientID,
			TenantID:                 cfg.TenantID,
			TokenFilePath:            cfg.FederatedTokenFile,
			DisableInstanceDiscovery: cfg.DisableInstanceDiscovery,
		})
	}
	if err != nil {
		return nil, "", fmt.Errorf("identity: %s credential: %w", kind, err)
	}
	return cred, kind, nil
}

// kind checks the configuration and names the credential to build.
func (cfg Config) kind() (string, error) {
	var set []string
	var kind string
	if cfg.ClientSecret != "" {
		set, kind = append(set, EnvClientSecret), KindClientSecret
	}
	if cfg.CertificatePath != "" {
		set, kind = append(set, EnvCertificatePath), KindClientCertificate
	}
	if cfg.ManagedIdentity {
		set, kind = append(set, EnvManagedIdentity), KindManagedIdentity
	}
	if cfg.FederatedTokenFile != "" {
		set, kind = append(set, EnvFederatedTokenFile), KindWorkloadIdentity
	}
	switch {
	case len(set) == 0:
		return "", fmt.Errorf("identity: no credential configured: set exactly one of %s, %s, %s=true or %s",
			EnvClientSecret, EnvCertificatePath, EnvManagedIdentity, EnvFederatedTokenFile)
	case len(set) > 1:
		return "", fmt.Errorf("identity: conflicting credentials: %s are all set; set exactly one", strings.Join(set, ", "))
	}
	if cfg.CertificatePassword != "" && kind != KindClientCertificate {
		return "", fmt.Errorf("identity: %s is set without %s", EnvCertificatePassword, EnvCertificatePath)
	}
	if cfg.ManagedIdentityClientID != "" && kind != KindManagedIdentity {
		return "", fmt.Errorf("identity: %s is set but %s is not true", EnvManagedIdentityClientID, EnvManagedIdentity)
	}
	if kind == KindManagedIdentity {
		return kind, nil // the hosting environment supplies tenant and identity
	}
	if cfg.ClientID == "" {
		return "", fmt.Errorf("identity: %s is required for %s", EnvClientID, kind)
	}
	if err := checkTenant(cfg.TenantID); err != nil {
		return "", err
	}
	return kind, nil
}

func checkTenant(t string) error {
	switch strings.ToLower(t) {
	case "":
		return fmt.Errorf("identity: %s is required (the bot's Entra tenant)", EnvTenantID)
	case "common", "organizations", "consumers":
		return fmt.Errorf("identity: %s=%q: app-only tokens need a specific tenant id", EnvTenantID, t)
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return fmt.Errorf("identity: %s=%q: not a tenant id or domain", EnvTenantID, t)
		}
	}
	return nil
}

func loadCertificate(path, password string) ([]*x509.Certificate, crypto.PrivateKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("identity: %s: %w", EnvCertificatePath, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCertBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("identity: %s: reading %s: %w", EnvCertificatePath, path, err)
	}
	if len(data) > maxCertBytes {
		return nil, nil, fmt.Errorf("identity: %s: %s is larger than %d bytes", EnvCertificatePath, path, maxCertBytes)
	}
	var pw []byte
	if password != "" {
		pw = []byte(password)
	}
	certs, key, err := azidentity.ParseCertificates(data, pw)
	if err != nil {
		return nil, nil, fmt.Errorf("identity: %s: %s: %w (PEM with an unencrypted key, or PKCS#12 with %s)",
			EnvCertificatePath, path, err, EnvCertificatePassword)
	}
	if len(certs) == 0 || key == nil {
		return nil, nil, errors.New("identity: " + EnvCertificatePath + ": " + path + " must contain a certificate and its private key")
	}
	return certs, key, nil
}

// Compile-time check that *http.Client can be the azcore transport.
var _ policy.Transporter = (*http.Client)(nil)
