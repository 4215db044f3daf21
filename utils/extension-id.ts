/**
 * The extension's public key and the id Chromium derives from it. The key pins the id so that enterprise
 * policy (`3rdparty.extensions.<id>`) and the end-to-end tests can name the extension before it is loaded.
 * The id is the first 128 bits of sha256(key), written with the letters a–p; `extension-id.test.ts` checks it.
 */
export const EXTENSION_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtHITMrLydqslPGv2RjKCcGR0/otn+mObdas9VhFp25NZvmGI7r5Zbx6xF3v9a60SQwNj8T7L83Wo6HzhDuyF9mjV0OB/YUJjOaiFHFzuO3J+s8RqJQyh2rGa/6iG06UHxykPpUEvZ7BXGd47M2XIleoYMb705VfGtI/X0o4ZNWLxXS7ZNA0+DxSieCux3MyBI5xHc6YaidOdcCkDQ0A5dxHbCYeeP24NULrgRCkl9YSrLEfhim4W614kXUrz8Y8hFkqMf+WHj/P0F32kFVsvCXrJwe84QnnRfpeIaXCc4BPNBDsPcnrNgUwpP3XRohvurYjuTl+W/SoGaE/K/I1YiQIDAQAB';

export const EXTENSION_ID = 'indbljgbaddceclnjgbanhgdhbbgimmi';

/** Firefox needs an explicit add-on id (browser_specific_settings.gecko.id). */
export const GECKO_ID = 'recordkeeper@recordkeeper.dev';
