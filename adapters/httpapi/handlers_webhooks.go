package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/interviewlm/interviewlm/adapters/webhook"
	"github.com/interviewlm/interviewlm/domain"
)

// Webhooks is what the API needs of the organizations' webhooks (adapters/webhook.Queue).
type Webhooks interface {
	SetWebhook(ctx context.Context, orgID uuid.UUID, url string, secret []byte, enabled bool) error
	Webhook(ctx context.Context, orgID uuid.UUID) (webhook.Webhook, error)
	DeleteWebhook(ctx context.Context, orgID uuid.UUID) error
	Deliveries(ctx context.Context, orgID uuid.UUID, limit int) ([]webhook.Delivery, error)
	Redeliver(ctx context.Context, orgID, deliveryID uuid.UUID) error
}

// needsWebhooks answers 503 when the server runs without webhooks.
func needsWebhooks(h func(a *api, c echo.Context) error) func(a *api, c echo.Context) error {
	return func(a *api, c echo.Context) error {
		if a.deps.Webhooks == nil {
			return ServiceUnavailable("webhooks_unavailable", "webhooks are not configured on this server")
		}
		return h(a, c)
	}
}

// webhookAdmin is the organization of the route, when the caller may manage its webhook:
// owners and admins, since the webhook sends candidates' results out of the service.
func (a *api) webhookAdmin(c echo.Context) (uuid.UUID, error) {
	orgID, role, err := a.orgOf(c)
	if err != nil {
		return uuid.Nil, err
	}
	if !role.CanManageMembers() {
		return uuid.Nil, Forbidden("only an organization's owners and admins manage its webhook")
	}
	return orgID, nil
}

func (a *api) getWebhook(c echo.Context) error {
	orgID, err := a.webhookAdmin(c)
	if err != nil {
		return err
	}
	hook, err := a.deps.Webhooks.Webhook(c.Request().Context(), orgID)
	if errors.Is(err, domain.ErrNotFound) {
		return NewError(http.StatusNotFound, "no_webhook", "this organization has no webhook")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"webhook": hook})
}

// putWebhook sets the webhook. A new webhook gets a signing secret, shown once in the answer;
// "rotateSecret": true makes a new one for an existing webhook.
func (a *api) putWebhook(c echo.Context) error {
	orgID, err := a.webhookAdmin(c)
	if err != nil {
		return err
	}
	in, err := Bind[struct {
		URL          string `json:"url"`
		Enabled      *bool  `json:"enabled"`
		RotateSecret bool   `json:"rotateSecret"`
	}](c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	enabled := in.Enabled == nil || *in.Enabled
	// Without a secret, SetWebhook keeps the current one, and finds none for a new webhook.
	var secret string
	if !in.RotateSecret {
		err = a.deps.Webhooks.SetWebhook(ctx, orgID, in.URL, nil, enabled)
	}
	if in.RotateSecret || errors.Is(err, domain.ErrNotFound) {
		if secret, err = webhook.NewSecret(); err == nil {
			err = a.deps.Webhooks.SetWebhook(ctx, orgID, in.URL, []byte(secret), enabled)
		}
	}
	if errors.Is(err, webhook.ErrInvalidURL) {
		return ValidationFailed("url", err.Error())
	}
	if err != nil {
		return err
	}
	hook, err := a.deps.Webhooks.Webhook(ctx, orgID)
	if err != nil {
		return err
	}
	body := map[string]any{"webhook": hook}
	if secret != "" {
		body["secret"] = secret // shown once: the receiver needs it to check signatures
	}
	return c.JSON(http.StatusOK, body)
}

func (a *api) deleteWebhook(c echo.Context) error {
	orgID, err := a.webhookAdmin(c)
	if err != nil {
		return err
	}
	if err := a.deps.Webhooks.DeleteWebhook(c.Request().Context(), orgID); err != nil && !errors.Is(err, domain.ErrNotFound) {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *api) listDeliveries(c echo.Context) error {
	orgID, err := a.webhookAdmin(c)
	if err != nil {
		return err
	}
	deliveries, err := a.deps.Webhooks.Deliveries(c.Request().Context(), orgID, 100)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"deliveries": deliveries})
}

func (a *api) redeliver(c echo.Context) error {
	orgID, err := a.webhookAdmin(c)
	if err != nil {
		return err
	}
	id, err := uuidParam(c, "deliveryId")
	if err != nil {
		return err
	}
	err = a.deps.Webhooks.Redeliver(c.Request().Context(), orgID, id)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return NotFound("not found")
	case errors.Is(err, webhook.ErrNotFailed):
		return Conflict("only a failed delivery can be sent again")
	case err != nil:
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]any{"redelivered": true})
}
