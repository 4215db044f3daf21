import { type DataOf, type MessageType, type ResultOf, sendToBackground } from '../messaging';

/**
 * What the popup and options pages may ask of the background. Components receive this as a prop and never touch
 * `browser.*`, so tests can hand them a fake.
 */
export interface Api {
  call<T extends MessageType>(type: T, data: DataOf<T>): Promise<ResultOf<T>>;
}

export const backgroundApi: Api = { call: sendToBackground };
