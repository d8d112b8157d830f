import React from 'react';
import { PluginPage } from '@grafana/runtime';
import { testIds } from '../components/testIds';

// Routing placeholder from the scaffold; the pages helper replaces this page's body.
function Anomalies() {
  return (
    <PluginPage>
      <div data-testid={testIds.anomalies.container} />
    </PluginPage>
  );
}

export default Anomalies;
