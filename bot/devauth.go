package bot

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/infracloudio/msbotbuilder-go/schema"

	"digibot/bot/auth"
	"digibot/bot/connector"
)

// DevAuth is dev mode (no MICROSOFT_APP_ID): no token is needed, but only
// loopback clients may call and only loopback serviceUrls are answered, so
// an unauthenticated Digibot can never be used to post elsewhere.
type DevAuth struct{}

// Authenticate implements Authenticator.
func (DevAuth) Authenticate(_ context.Context, r *http.Request, a *schema.Activity) error {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("dev mode accepts only loopback clients, not %q", r.RemoteAddr)
	}
	u, err := url.Parse(a.ServiceURL)
	if err != nil {
		return fmt.Errorf("bad serviceUrl: %w", err)
	}
	return connector.LoopbackOnly(u)
}

// ChannelAuth is production mode: every activity carries a valid token for
// this bot, issued for the activity's serviceUrl.
type ChannelAuth struct{ V *auth.Validator }

// Authenticate implements Authenticator.
func (c ChannelAuth) Authenticate(ctx context.Context, r *http.Request, a *schema.Activity) error {
	_, err := c.V.Validate(ctx, r.Header.Get("Authorization"), a.ServiceURL, a.ChannelID)
	return err
}
