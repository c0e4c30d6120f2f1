/**
 * Where an interactive-component payload names its environment, per provider: the environment is the
 * `<runTimeEnvironment>!` prefix of the first of these fields that has one (the environment puts it there
 * when it builds the message: Slack `callback_id`, `private_metadata` or an action `value`; a Teams card
 * action's `value.action`). A new provider is a new row.
 */
export interface ActionRoute {
  /** `slack-form`: `application/x-www-form-urlencoded` with a JSON `payload` field; `json`: the body is JSON. */
  body: 'slack-form' | 'json';
  /** Dotted paths into the JSON payload; numeric segments index arrays. */
  environmentFields: string[];
  docs: string;
}

export const ACTION_ROUTES: Readonly<Record<string, ActionRoute>> = {
  slack: {
    body: 'slack-form',
    environmentFields: ['callback_id', 'view.callback_id', 'view.private_metadata', 'actions.0.value', 'actions.0.action_id', 'actions.0.block_id'],
    docs: 'https://api.slack.com/interactivity/handling#payloads',
  },
  msteams: {
    body: 'json',
    environmentFields: ['value.action', 'value.environment'],
    docs: 'https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/cards-actions',
  },
};
